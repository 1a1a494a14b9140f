using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DeleteGroups (42) v0–1: only empty groups; their committed offsets are removed.</summary>
internal sealed class DeleteGroupsApi : ApiHandler
{
    public DeleteGroupsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DeleteGroups;

    public override short MaxVersion => 1;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var ids = request.Body.ReadArray(false, r => r.ReadString(false));
        response.WriteInt32(0);
        response.WriteArrayLength(ids.Count, false);
        foreach (var id in ids)
        {
            response.WriteString(id, false);
            response.WriteInt16((short)(Allowed(request, AclOperation.Delete, AclResourceType.Group, id) ? Runtime.Groups.DeleteGroup(id) : ErrorCode.GroupAuthorizationFailed));
        }

        return Done;
    }
}
