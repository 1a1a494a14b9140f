using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>
/// AlterPartitionReassignments (45) v0: on one node the only valid target is this node, which is where the replica
/// already is (done at once, as Kafka answers a no-op reassignment); cancelling finds nothing in progress.
/// </summary>
internal sealed class AlterPartitionReassignmentsApi : ApiHandler
{
    public AlterPartitionReassignmentsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.AlterPartitionReassignments;

    public override short MaxVersion => 0;

    public override short FirstFlexibleVersion => 0;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        body.ReadInt32(); // timeout
        var topics = body.ReadArray(true, t =>
        {
            var name = t.ReadString(true);
            var partitions = t.ReadArray(true, p =>
            {
                var partition = (Index: p.ReadInt32(), Replicas: p.ReadNullableArray(true, r => r.ReadInt32()));
                p.SkipTaggedFields(true);
                return partition;
            });
            t.SkipTaggedFields(true);
            return (Name: name, Partitions: partitions);
        });

        response.WriteInt32(0);
        response.WriteInt16((short)ErrorCode.None);
        response.WriteNullableString(null, true);
        response.WriteArrayLength(topics.Count, true);
        foreach (var (name, partitions) in topics)
        {
            var topic = Runtime.Topics.Find(name);
            response.WriteString(name, true);
            response.WriteArrayLength(partitions.Count, true);
            foreach (var (index, replicas) in partitions)
            {
                var (error, message) = topic is null || index < 0 || index >= topic.Partitions.Length
                    ? (ErrorCode.UnknownTopicOrPartition, $"{name}-{index} does not exist")
                    : replicas is null
                        ? (ErrorCode.NoReassignmentInProgress, "no reassignment is in progress on a single node")
                        : replicas.Count == 1 && replicas[0] == Runtime.NodeId
                            ? (ErrorCode.None, (string?)null)
                            : (ErrorCode.InvalidReplicaAssignment, $"the only broker is {Runtime.NodeId}; replicas [{string.Join(",", replicas)}] cannot be assigned");
                response.WriteInt32(index);
                response.WriteInt16((short)error);
                response.WriteNullableString(message, true);
                response.WriteEmptyTaggedFields(true);
            }

            response.WriteEmptyTaggedFields(true);
        }

        response.WriteEmptyTaggedFields(true);
        return Done;
    }
}
