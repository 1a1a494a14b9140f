using CryptoStreams.Broker.Protocol;
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
}
