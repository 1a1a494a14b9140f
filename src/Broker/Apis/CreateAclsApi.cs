using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>
/// CreateAcls (30) v0–3; needs ALTER on the cluster. ACLs may be stored while security is off, so they are in place
/// before it is switched on.
/// </summary>
internal sealed class CreateAclsApi : ApiHandler
{
    public CreateAclsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.CreateAcls;

    public override short MaxVersion => 3;

    public override short FirstFlexibleVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        var creations = request.Body.ReadArray(flexible, r => AclCodec.ReadBinding(r, request.Version, flexible));
        var allowed = ClusterAllowed(request, AclOperation.Alter);
        var results = creations.Select(b => allowed
            ? b.Problem() is { } problem ? (ErrorCode.InvalidRequest, $"invalid ACL: {problem}") : (ErrorCode.None, (string?)null)
            : (ErrorCode.ClusterAuthorizationFailed, $"{request.Session.Principal} may not alter the cluster's ACLs")).ToList();
        var valid = creations.Where((_, i) => results[i].Item1 == ErrorCode.None).ToList();
        if (valid.Count > 0)
        {
            Runtime.Security.Acls.Add(valid);
            SecurityLog.AclsChanged(Runtime.Logger, request.Session.Principal, valid.Count, 0);
        }

        response.WriteInt32(0);
        response.WriteArrayLength(results.Count, flexible);
        foreach (var (error, message) in results)
        {
            response.WriteInt16((short)error);
            response.WriteNullableString(message, flexible);
            response.WriteEmptyTaggedFields(flexible);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
