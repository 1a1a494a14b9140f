using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>AddOffsetsToTxn (25) v0–2.</summary>
internal sealed class AddOffsetsToTxnApi : ApiHandler
{
    public AddOffsetsToTxnApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.AddOffsetsToTxn;

    public override short MaxVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var transactionalId = body.ReadString(false);
        var producerId = body.ReadInt64();
        var epoch = body.ReadInt16();
        var group = body.ReadString(false);
        response.WriteInt32(0);
        var error = !Allowed(request, AclOperation.Write, AclResourceType.TransactionalId, transactionalId) ? ErrorCode.TransactionalIdAuthorizationFailed
            : !Allowed(request, AclOperation.Read, AclResourceType.Group, group) ? ErrorCode.GroupAuthorizationFailed
            : Runtime.Transactions.AddOffsets(transactionalId, producerId, epoch, request.Version, group);
        response.WriteInt16((short)error);
        return Done;
    }
}
