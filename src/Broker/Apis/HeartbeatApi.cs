using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>Heartbeat (12) v0–3.</summary>
internal sealed class HeartbeatApi : ApiHandler
{
    public HeartbeatApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.Heartbeat;

    public override short MaxVersion => 3;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var groupId = body.ReadString(false);
        var generation = body.ReadInt32();
        var memberId = body.ReadString(false);
        var instanceId = request.Version >= 3 ? body.ReadNullableString(false) : null;
        if (request.Version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)(Allowed(request, AclOperation.Read, AclResourceType.Group, groupId)
            ? Runtime.Groups.Heartbeat(groupId, generation, memberId, instanceId)
            : ErrorCode.GroupAuthorizationFailed));
        return Done;
    }
}
