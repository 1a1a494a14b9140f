using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
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
            if (type == TopicResource && !Allowed(request, AclOperation.DescribeConfigs, AclResourceType.Topic, name))
            {
                error = ErrorCode.TopicAuthorizationFailed;
                entries = [];
            }
            else if (type == TopicResource)
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
                entries = [("auto.create.topics.enable", Runtime.Options.AutoCreateTopics ? "true" : "false", true),
                           ("num.partitions", Runtime.Options.DefaultPartitions.ToString(System.Globalization.CultureInfo.InvariantCulture), true)];
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
