using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DeleteAcls (31) v0–3; needs ALTER on the cluster. Answers, per filter, the bindings it removed.</summary>
internal sealed class DeleteAclsApi : ApiHandler
{
    public DeleteAclsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DeleteAcls;

    public override short MaxVersion => 3;

    public override short FirstFlexibleVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        var filters = request.Body.ReadArray(flexible, r =>
        {
            var filter = AclCodec.ReadFilter(r, request.Version, flexible);
            r.SkipTaggedFields(flexible);
            return filter;
        });
        var allowed = ClusterAllowed(request, AclOperation.Alter);
        var removed = allowed ? Runtime.Security.Acls.Delete(filters) : [.. filters.Select(_ => new List<AclBinding>())];
        if (allowed && removed.Sum(r => r.Count) > 0)
        {
            SecurityLog.AclsChanged(Runtime.Logger, request.Session.Principal, 0, removed.Sum(r => r.Count));
        }

        response.WriteInt32(0);
        response.WriteArrayLength(removed.Count, flexible);
        foreach (var bindings in removed)
        {
            response.WriteInt16((short)(allowed ? ErrorCode.None : ErrorCode.ClusterAuthorizationFailed));
            response.WriteNullableString(allowed ? null : $"{request.Session.Principal} may not alter the cluster's ACLs", flexible);
            response.WriteArrayLength(bindings.Count, flexible);
            foreach (var binding in bindings)
            {
                response.WriteInt16((short)ErrorCode.None);
                response.WriteNullableString(null, flexible);
                AclCodec.WriteResource(response, binding, request.Version, flexible);
                AclCodec.WriteEntry(response, binding, flexible);
                response.WriteEmptyTaggedFields(flexible);
            }

            response.WriteEmptyTaggedFields(flexible);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
