using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeAcls (29) v0–3; needs DESCRIBE on the cluster. No ACLs = an empty list, whether or not security is on (Kafka UIs ask).</summary>
internal sealed class DescribeAclsApi : ApiHandler
{
    public DescribeAclsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeAcls;

    public override short MaxVersion => 3;

    public override short FirstFlexibleVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        var filter = AclCodec.ReadFilter(request.Body, request.Version, flexible);
        response.WriteInt32(0);
        if (!ClusterAllowed(request, AclOperation.Describe))
        {
            response.WriteInt16((short)ErrorCode.ClusterAuthorizationFailed);
            response.WriteNullableString($"{request.Session.Principal} may not describe the cluster's ACLs", flexible);
            response.WriteArrayLength(0, flexible);
            response.WriteEmptyTaggedFields(flexible);
            return Done;
        }

        var groups = Runtime.Security.Acls.Snapshot.Where(filter.Matches)
            .GroupBy(b => (b.ResourceType, b.ResourceName, b.PatternType))
            .ToList();
        response.WriteInt16((short)ErrorCode.None);
        response.WriteNullableString(null, flexible);
        response.WriteArrayLength(groups.Count, flexible);
        foreach (var group in groups)
        {
            AclCodec.WriteResource(response, group.First(), request.Version, flexible);
            response.WriteArrayLength(group.Count(), flexible);
            foreach (var binding in group)
            {
                AclCodec.WriteEntry(response, binding, flexible);
                response.WriteEmptyTaggedFields(flexible);
            }

            response.WriteEmptyTaggedFields(flexible);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
