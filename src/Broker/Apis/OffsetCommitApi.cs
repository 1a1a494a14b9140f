using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>OffsetCommit (8) v2–7: checked against the group's generation, then journaled.</summary>
internal sealed class OffsetCommitApi : ApiHandler
{
    public OffsetCommitApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.OffsetCommit;

    public override short MinVersion => 2;

    public override short MaxVersion => 7;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        var groupId = body.ReadString(false);
        var generation = body.ReadInt32();
        var memberId = body.ReadString(false);
        if (v <= 4)
        {
            body.ReadInt64();
        }

        var instanceId = v >= 7 ? body.ReadNullableString(false) : null;

        var topics = body.ReadArray(false, r => (
            Name: r.ReadString(false),
            Partitions: r.ReadArray(false, p =>
            {
                var partition = p.ReadInt32();
                var offset = p.ReadInt64();
                var epoch = v >= 6 ? p.ReadInt32() : -1;
                return (Partition: partition, Offset: offset, Epoch: epoch, Metadata: p.ReadNullableString(false));
            })));

        var memberError = Allowed(request, AclOperation.Read, AclResourceType.Group, groupId)
            ? Runtime.Groups.CheckCommitter(groupId, generation, memberId, instanceId)
            : ErrorCode.GroupAuthorizationFailed;
        var accepted = new List<(string, int, long, int, string?)>();
        var errors = new List<(string Topic, List<(int Partition, ErrorCode Error)> Partitions)>();
        foreach (var (name, partitions) in topics)
        {
            var topic = Runtime.Topics.Find(name);
            var results = new List<(int, ErrorCode)>();
            foreach (var (partition, offset, epoch, metadata) in partitions)
            {
                var error = memberError;
                if (error == ErrorCode.None && !Allowed(request, AclOperation.Read, AclResourceType.Topic, name))
                {
                    error = ErrorCode.TopicAuthorizationFailed;
                }

                if (error == ErrorCode.None && (topic is null || partition < 0 || partition >= topic.Partitions.Length))
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                }

                if (error == ErrorCode.None)
                {
                    accepted.Add((name, partition, offset, epoch, metadata));
                }

                results.Add((partition, error));
            }

            errors.Add((name, results));
        }

        Runtime.Groups.CommitOffsets(groupId, accepted);
        if (v >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(errors.Count, false);
        foreach (var (name, results) in errors)
        {
            response.WriteString(name, false);
            response.WriteArrayLength(results.Count, false);
            foreach (var (partition, error) in results)
            {
                response.WriteInt32(partition);
                response.WriteInt16((short)error);
            }
        }

        return Done;
    }
}
