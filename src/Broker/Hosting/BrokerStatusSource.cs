namespace CryptoStreams.Broker.Hosting;

/// <summary>Singleton through which status views read the hosted broker's <see cref="BrokerStatus"/>.</summary>
public sealed class BrokerStatusSource
{
    private EmbeddedBroker? _broker;

    internal EmbeddedBroker? Broker
    {
        get => Volatile.Read(ref _broker);
        set => Volatile.Write(ref _broker, value);
    }

    /// <summary>Current status, or null while the broker is not running.</summary>
    public BrokerStatus? Current => Broker?.GetStatus();
}
