using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>ListGroups (16) v0–4 (v3+ flexible, v4 filters by state).</summary>
internal sealed class ListGroupsApi : ApiHandler
{
    public ListGroupsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.ListGroups;

    public override short MaxVersion => 4;

    public override short FirstFlexibleVersion => 3;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var flexible = request.Flexible;
        var states = v >= 4 ? request.Body.ReadArray(flexible, r => r.ReadString(flexible)) : [];
        var groups = Runtime.Groups.List()
            .Where(g => states.Count == 0 || states.Contains(g.State, StringComparer.OrdinalIgnoreCase))
            .Where(g => Runtime.Security.Allows(request.Session, AclOperation.Describe, AclResourceType.Group, g.GroupId))
            .ToList();
        if (v >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)ErrorCode.None);
        response.WriteArrayLength(groups.Count, flexible);
        foreach (var group in groups)
        {
            response.WriteString(group.GroupId, flexible);
            response.WriteString(group.ProtocolType, flexible);
            if (v >= 4)
            {
                response.WriteString(group.State, flexible);
            }

            response.WriteEmptyTaggedFields(flexible);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
