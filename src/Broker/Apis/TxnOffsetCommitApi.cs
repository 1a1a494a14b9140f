using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;
using CryptoStreams.Broker.Transactions;

namespace CryptoStreams.Broker.Apis;

/// <summary>TxnOffsetCommit (28) v0–3 (v3 flexible): offsets held by the transaction until it commits.</summary>
internal sealed class TxnOffsetCommitApi : ApiHandler
{
    public TxnOffsetCommitApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.TxnOffsetCommit;

    public override short MaxVersion => 3;

    public override short FirstFlexibleVersion => 3;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var flexible = request.Flexible;
        var body = request.Body;
        var transactionalId = body.ReadString(flexible);
        var groupId = body.ReadString(flexible);
        var producerId = body.ReadInt64();
        var epoch = body.ReadInt16();
        if (v >= 3)
        {
            body.ReadInt32();
            body.ReadString(flexible);
            body.ReadNullableString(flexible);
        }

        var topics = body.ReadArray(flexible, r =>
        {
            var name = r.ReadString(flexible);
            var partitions = r.ReadArray(flexible, p =>
            {
                var partition = p.ReadInt32();
                var offset = p.ReadInt64();
                var leaderEpoch = v >= 2 ? p.ReadInt32() : -1;
                var metadata = p.ReadNullableString(flexible);
                p.SkipTaggedFields(flexible);
                return (Partition: partition, Offset: offset, Epoch: leaderEpoch, Metadata: metadata);
            });
            r.SkipTaggedFields(flexible);
            return (Name: name, Partitions: partitions);
        });

        var error = !Allowed(request, AclOperation.Write, AclResourceType.TransactionalId, transactionalId) ? ErrorCode.TransactionalIdAuthorizationFailed
            : !Allowed(request, AclOperation.Read, AclResourceType.Group, groupId) ? ErrorCode.GroupAuthorizationFailed
            : topics.Any(t => !Allowed(request, AclOperation.Read, AclResourceType.Topic, t.Name)) ? ErrorCode.TopicAuthorizationFailed
            : Runtime.Transactions.TxnOffsetCommit(transactionalId, groupId, producerId, epoch,
                topics.SelectMany(t => t.Partitions.Select(p => new PendingOffset(groupId, t.Name, p.Partition, p.Offset, p.Epoch, p.Metadata))));
        response.WriteInt32(0);
        response.WriteArrayLength(topics.Count, flexible);
        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name, flexible);
            response.WriteArrayLength(partitions.Count, flexible);
            foreach (var partition in partitions)
            {
                response.WriteInt32(partition.Partition);
                response.WriteInt16((short)error);
                response.WriteEmptyTaggedFields(flexible);
            }

            response.WriteEmptyTaggedFields(flexible);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
