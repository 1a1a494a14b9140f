using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>Base of the API handlers: version range and access to the shared broker runtime.</summary>
internal abstract class ApiHandler : IApiHandler
{
    protected ApiHandler(BrokerRuntime runtime) => Runtime = runtime;

    protected BrokerRuntime Runtime { get; }

    public abstract ApiKey Key { get; }

    public virtual short MinVersion => 0;

    public abstract short MaxVersion { get; }

    public virtual short FirstFlexibleVersion => short.MaxValue;

    public abstract ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken);

    protected static ValueTask<bool> Done => ValueTask.FromResult(true);

    /// <summary>True when the request's principal may do <paramref name="operation"/> on the resource; a denial is logged.</summary>
    protected bool Allowed(Request request, AclOperation operation, AclResourceType type, string name)
    {
        if (Runtime.Security.Allows(request.Session, operation, type, name))
        {
            return true;
        }

        SecurityLog.Denied(Runtime.Logger, request.Session.Principal, request.Session.Host, operation, type, name);
        return false;
    }

    /// <summary><see cref="Allowed"/> for the cluster resource.</summary>
    protected bool ClusterAllowed(Request request, AclOperation operation) => Allowed(request, operation, AclResourceType.Cluster, AclCodec.ClusterName);
}
