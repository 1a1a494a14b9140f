using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>LeaveGroup (13) v0–3 (v3: several members, by id or static instance id).</summary>
internal sealed class LeaveGroupApi : ApiHandler
{
    public LeaveGroupApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.LeaveGroup;

    public override short MaxVersion => 3;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        var groupId = body.ReadString(false);
        if (v >= 1)
        {
            response.WriteInt32(0);
        }

        if (!Allowed(request, AclOperation.Read, AclResourceType.Group, groupId))
        {
            response.WriteInt16((short)ErrorCode.GroupAuthorizationFailed);
            if (v >= 3)
            {
                response.WriteArrayLength(0, false);
            }

            return Done;
        }

        if (v < 3)
        {
            var memberId = body.ReadString(false);
            response.WriteInt16((short)Runtime.Groups.Leave(groupId, memberId, null));
            return Done;
        }

        var members = body.ReadArray(false, r => (MemberId: r.ReadString(false), InstanceId: r.ReadNullableString(false)));
        response.WriteInt16((short)ErrorCode.None);
        response.WriteArrayLength(members.Count, false);
        foreach (var (memberId, instanceId) in members)
        {
            response.WriteString(memberId, false);
            response.WriteNullableString(instanceId, false);
            response.WriteInt16((short)Runtime.Groups.Leave(groupId, memberId, instanceId));
        }

        return Done;
    }
}
