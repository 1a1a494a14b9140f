using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeConfigs (32) v0–2 for topics (effective values, overrides marked) and the broker.</summary>
internal sealed class DescribeConfigsApi : ApiHandler
{
    internal const sbyte TopicResource = 2;
    internal const sbyte BrokerResource = 4;
    private const sbyte DynamicTopicSource = 1;
    private const sbyte DefaultSource = 5;

    public DescribeConfigsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeConfigs;

    public override short MaxVersion => 2;

    /// <summary>
    /// The broker's settings under Kafka's names. Kafka UIs read inter.broker.protocol.version to decide which admin
    /// features to offer (kafka-ui: incremental alter configs from 2.3, quotas from 2.6) and delete.topic.enable.
    /// </summary>
    private List<(string Name, string Value, bool IsDefault)> BrokerConfigs()
    {
        var o = Runtime.Options;
        static string Number(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return
        [
            ("broker.id", Number(o.NodeId), true),
            ("node.id", Number(o.NodeId), true),
            ("inter.broker.protocol.version", "3.7-IV4", true),
            ("log.message.format.version", "3.0-IV1", true),
            ("listeners", $"PLAINTEXT://{o.Host}:{Number(Runtime.AdvertisedPort)}", true),
            ("advertised.listeners", $"PLAINTEXT://{Runtime.AdvertisedHost}:{Number(Runtime.AdvertisedPort)}", true),
            ("log.dirs", Runtime.Topics.LogsDirectory, true),
            ("auto.create.topics.enable", o.AutoCreateTopics ? "true" : "false", true),
            ("delete.topic.enable", "true", true),
            ("num.partitions", Number(o.DefaultPartitions), true),
            ("default.replication.factor", "1", true),
            ("min.insync.replicas", "1", true),
            ("offsets.topic.replication.factor", "1", true),
            ("transaction.state.log.replication.factor", "1", true),
            ("transaction.max.timeout.ms", Number((long)o.MaxTransactionTimeout.TotalMilliseconds), true),
            ("group.initial.rebalance.delay.ms", Number((long)o.GroupInitialRebalanceDelay.TotalMilliseconds), true),
            ("log.retention.ms", Number(o.RetentionMs), true),
            ("log.retention.bytes", Number(o.RetentionBytes), true),
            ("log.segment.bytes", Number(o.SegmentBytes), true),
            ("log.roll.ms", Number(o.SegmentMs), true),
            ("log.cleanup.policy", "delete", true),
            ("log.retention.check.interval.ms", Number((long)o.CleanupInterval.TotalMilliseconds), true),
            ("log.flush.interval.ms", o.FsyncPolicy == FsyncPolicy.Interval ? Number((long)o.FsyncInterval.TotalMilliseconds) : o.FsyncPolicy == FsyncPolicy.Always ? "0" : Number(long.MaxValue), true),
            ("message.max.bytes", Number(o.MaxMessageBytes), true),
            ("socket.request.max.bytes", Number(o.MaxRequestBytes), true),
        ];
    }

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        var resources = body.ReadArray(false, r => (Type: r.ReadInt8(), Name: r.ReadString(false), Keys: r.ReadNullableArray(false, k => k.ReadString(false))));
        if (v >= 1)
        {
            body.ReadBool();
        }

        response.WriteInt32(0);
        response.WriteArrayLength(resources.Count, false);
        foreach (var (type, name, keys) in resources)
        {
            List<(string Name, string Value, bool IsDefault)> entries;
            var error = ErrorCode.None;
            string? message = null;
            if (type == TopicResource)
            {
                var topic = Runtime.Topics.Find(name);
                if (topic is null)
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                    message = $"topic '{name}' does not exist";
                    entries = [];
                }
                else
                {
                    entries = [.. topic.Config.All()];
                }
            }
            else if (type == BrokerResource)
            {
                entries = BrokerConfigs();
            }
            else
            {
                error = ErrorCode.InvalidRequest;
                message = $"resource type {type} is not supported";
                entries = [];
            }

            if (keys is not null)
            {
                entries = [.. entries.Where(e => keys.Contains(e.Name))];
            }

            response.WriteInt16((short)error);
            response.WriteNullableString(message, false);
            response.WriteInt8(type);
            response.WriteString(name, false);
            response.WriteArrayLength(entries.Count, false);
            foreach (var (configName, value, isDefault) in entries)
            {
                response.WriteString(configName, false);
                response.WriteNullableString(value, false);
                response.WriteBool(false);
                if (v == 0)
                {
                    response.WriteBool(isDefault);
                }
                else
                {
                    response.WriteInt8(isDefault ? DefaultSource : DynamicTopicSource);
                }

                response.WriteBool(false);
                if (v >= 1)
                {
                    response.WriteArrayLength(0, false);
                }
            }
        }

        return Done;
    }
}
