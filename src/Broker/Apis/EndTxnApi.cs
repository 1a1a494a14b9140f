using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>EndTxn (26) v0–2: commit or abort, writing markers into every partition of the transaction.</summary>
internal sealed class EndTxnApi : ApiHandler
{
    public EndTxnApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.EndTxn;

    public override short MaxVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var transactionalId = body.ReadString(false);
        var producerId = body.ReadInt64();
        var epoch = body.ReadInt16();
        var commit = body.ReadBool();
        response.WriteInt32(0);
        response.WriteInt16((short)(Allowed(request, AclOperation.Write, AclResourceType.TransactionalId, transactionalId)
            ? Runtime.Transactions.EndTxn(transactionalId, producerId, epoch, request.Version, commit)
            : ErrorCode.TransactionalIdAuthorizationFailed));
        return Done;
    }
}
