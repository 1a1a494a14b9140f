using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeLogDirs (35) v0–4: the one data directory, with every partition's size on disk.</summary>
internal sealed class DescribeLogDirsApi : ApiHandler
{
    public DescribeLogDirsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeLogDirs;

    public override short MaxVersion => 4;

    public override short FirstFlexibleVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var flexible = request.Flexible;
        var asked = request.Body.ReadNullableArray(flexible, r =>
        {
            var topic = (Name: r.ReadString(flexible), Partitions: r.ReadArray(flexible, p => p.ReadInt32()));
            r.SkipTaggedFields(flexible);
            return topic;
        });

        var logs = Runtime.Topics.All()
            .SelectMany(t => t.Partitions.Select(p => (Topic: t.Name, Log: p)))
            .Where(x => asked is null || asked.Any(a => a.Name == x.Topic && a.Partitions.Contains(x.Log.Partition)))
            .GroupBy(x => x.Topic)
            .ToList();

        response.WriteInt32(0);
        if (v >= 3)
        {
            response.WriteInt16((short)ErrorCode.None);
        }

        response.WriteArrayLength(1, flexible);
        response.WriteInt16((short)ErrorCode.None);
        response.WriteString(Runtime.Topics.LogsDirectory, flexible);
        response.WriteArrayLength(logs.Count, flexible);
        foreach (var topic in logs)
        {
            response.WriteString(topic.Key, flexible);
            response.WriteArrayLength(topic.Count(), flexible);
            foreach (var (_, log) in topic)
            {
                response.WriteInt32(log.Partition);
                response.WriteInt64(log.SizeInBytes);
                response.WriteInt64(0); // offset lag: no replicas to lag behind
                response.WriteBool(false); // is a future replica
                response.WriteEmptyTaggedFields(flexible);
            }

            response.WriteEmptyTaggedFields(flexible);
        }

        if (v >= 4)
        {
            var drive = new DriveInfo(Runtime.Topics.LogsDirectory);
            response.WriteInt64(drive.TotalSize);
            response.WriteInt64(drive.AvailableFreeSpace);
        }

        response.WriteEmptyTaggedFields(flexible);
        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
