using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>FindCoordinator (10) v0–2: this node coordinates every group and transactional id.</summary>
internal sealed class FindCoordinatorApi : ApiHandler
{
    public FindCoordinatorApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.FindCoordinator;

    public override short MaxVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var key = request.Body.ReadString(false);
        var transactional = false;
        if (request.Version >= 1)
        {
            transactional = request.Body.ReadInt8() == 1;
            response.WriteInt32(0);
        }

        var error = Allowed(request, AclOperation.Describe, transactional ? AclResourceType.TransactionalId : AclResourceType.Group, key) ? ErrorCode.None
            : transactional ? ErrorCode.TransactionalIdAuthorizationFailed : ErrorCode.GroupAuthorizationFailed;
        response.WriteInt16((short)error);
        if (request.Version >= 1)
        {
            response.WriteNullableString(error == ErrorCode.None ? null : $"{request.Session.Principal} may not use {key}", false);
        }

        response.WriteInt32(Runtime.NodeId);
        response.WriteString(Runtime.AdvertisedHost, false);
        response.WriteInt32(Runtime.AdvertisedPort);
        return Done;
    }
}
