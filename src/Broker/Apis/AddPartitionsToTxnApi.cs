using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>AddPartitionsToTxn (24) v0–2.</summary>
internal sealed class AddPartitionsToTxnApi : ApiHandler
{
    public AddPartitionsToTxnApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.AddPartitionsToTxn;

    public override short MaxVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var transactionalId = body.ReadString(false);
        var producerId = body.ReadInt64();
        var epoch = body.ReadInt16();
        var topics = body.ReadArray(false, r => (Topic: r.ReadString(false), Partitions: r.ReadArray(false, p => p.ReadInt32())));
        var idAllowed = Allowed(request, AclOperation.Write, AclResourceType.TransactionalId, transactionalId);
        var denied = topics.Where(t => !idAllowed || !Allowed(request, AclOperation.Write, AclResourceType.Topic, t.Topic)).ToList();
        var results = denied.Count == 0
            ? Runtime.Transactions.AddPartitions(transactionalId, producerId, epoch, request.Version, topics)
            : [.. topics.Select(t => (t.Topic, t.Partitions.Select(p => (p,
                !idAllowed ? ErrorCode.TransactionalIdAuthorizationFailed : denied.Contains(t) ? ErrorCode.TopicAuthorizationFailed : ErrorCode.OperationNotAttempted)).ToList()))];
        response.WriteInt32(0);
        response.WriteArrayLength(results.Count, false);
        foreach (var (topic, partitions) in results)
        {
            response.WriteString(topic, false);
            response.WriteArrayLength(partitions.Count, false);
            foreach (var (partition, error) in partitions)
            {
                response.WriteInt32(partition);
                response.WriteInt16((short)error);
            }
        }

        return Done;
    }
}
