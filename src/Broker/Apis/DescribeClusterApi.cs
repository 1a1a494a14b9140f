using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeCluster (60) v0 (always flexible): one broker, which is also the controller.</summary>
internal sealed class DescribeClusterApi : ApiHandler
{
    public DescribeClusterApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeCluster;

    public override short MaxVersion => 0;

    public override short FirstFlexibleVersion => 0;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        request.Body.ReadBool();
        response.WriteInt32(0);
        var allowed = ClusterAllowed(request, AclOperation.Describe);
        response.WriteInt16((short)(allowed ? ErrorCode.None : ErrorCode.ClusterAuthorizationFailed));
        response.WriteNullableString(allowed ? null : $"{request.Session.Principal} may not describe the cluster", true);
        response.WriteString(Runtime.Options.ClusterId, true);
        response.WriteInt32(Runtime.NodeId);
        response.WriteArrayLength(1, true);
        response.WriteInt32(Runtime.NodeId);
        response.WriteString(Runtime.AdvertisedHost, true);
        response.WriteInt32(Runtime.AdvertisedPort);
        response.WriteNullableString(null, true);
        response.WriteEmptyTaggedFields(true);
        response.WriteInt32(int.MinValue);
        response.WriteEmptyTaggedFields(true);
        return Done;
    }
}
