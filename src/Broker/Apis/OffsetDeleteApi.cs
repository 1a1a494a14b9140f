using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>OffsetDelete (47) v0: removes committed offsets of topics the group does not subscribe to.</summary>
internal sealed class OffsetDeleteApi : ApiHandler
{
    public OffsetDeleteApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.OffsetDelete;

    public override short MaxVersion => 0;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var groupId = body.ReadString(false);
        var topics = body.ReadArray(false, r => (Name: r.ReadString(false), Partitions: r.ReadArray(false, p => p.ReadInt32())));
        var known = topics.SelectMany(t => t.Partitions.Select(p => (t.Name, p)))
            .Where(tp => Runtime.Topics.Find(tp.Name) is { } topic && tp.p >= 0 && tp.p < topic.Partitions.Length)
            .ToList();
        var (groupError, results) = Runtime.Groups.DeleteOffsets(groupId, known);
        var byPartition = groupError == ErrorCode.None ? known.Zip(results).ToDictionary(x => x.First, x => x.Second) : [];
        response.WriteInt16((short)groupError);
        response.WriteInt32(0);
        response.WriteArrayLength(groupError == ErrorCode.None ? topics.Count : 0, false);
        if (groupError != ErrorCode.None)
        {
            return Done;
        }

        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name, false);
            response.WriteArrayLength(partitions.Count, false);
            foreach (var partition in partitions)
            {
                response.WriteInt32(partition);
                response.WriteInt16((short)byPartition.GetValueOrDefault((name, partition), ErrorCode.UnknownTopicOrPartition));
            }
        }

        return Done;
    }
}
