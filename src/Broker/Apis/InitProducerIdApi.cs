using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>InitProducerId (22) v0–4 (v2+ flexible): producer ids for idempotence; transactional ids get epoch fencing.</summary>
internal sealed class InitProducerIdApi : ApiHandler
{
    public InitProducerIdApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.InitProducerId;

    public override short MaxVersion => 4;

    public override short FirstFlexibleVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        var body = request.Body;
        var transactionalId = body.ReadNullableString(flexible);
        var timeout = body.ReadInt32();
        long producerId = -1;
        short epoch = -1;
        if (request.Version >= 3)
        {
            producerId = body.ReadInt64();
            epoch = body.ReadInt16();
        }

        // A transactional producer needs WRITE on its id; an idempotent one IDEMPOTENT_WRITE on the cluster or WRITE on some topic (KIP-679).
        var allowed = transactionalId is not null
            ? Allowed(request, AclOperation.Write, AclResourceType.TransactionalId, transactionalId)
            : Runtime.Security.AllowsAny(request.Session, AclOperation.IdempotentWrite, AclResourceType.Cluster) || Runtime.Security.AllowsAny(request.Session, AclOperation.Write, AclResourceType.Topic);
        var (error, id, newEpoch) = allowed
            ? Runtime.Transactions.InitProducerId(transactionalId, timeout, producerId, epoch)
            : (transactionalId is not null ? ErrorCode.TransactionalIdAuthorizationFailed : ErrorCode.ClusterAuthorizationFailed, -1L, (short)-1);
        response.WriteInt32(0);
        response.WriteInt16((short)error);
        response.WriteInt64(id);
        response.WriteInt16(newEpoch);
        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
