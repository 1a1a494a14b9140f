namespace CryptoStreams.Broker.Tests.Endpoints;

/// <summary>Which Kafka-protocol endpoint a test talks to.</summary>
public enum EndpointKind
{
    /// <summary>Our broker (src/Broker), in-process.</summary>
    EmbeddedBroker,

    /// <summary>librdkafka's mock cluster: a reference for differential tests, not a Kafka.</summary>
    LibrdkafkaMock,
}

/// <summary>
/// A Kafka-protocol endpoint for client-level tests. The suite is written once against this and run on every
/// <see cref="EndpointKind"/> for the features both implement.
/// </summary>
public abstract class KafkaEndpoint : IAsyncDisposable
{
    /// <summary>Every kind, for xunit member data.</summary>
    public static IReadOnlyList<EndpointKind> AllKinds { get; } = Enum.GetValues<EndpointKind>();

    public abstract EndpointKind Kind { get; }

    public abstract string BootstrapServers { get; }

    /// <summary>Creates a topic the way this endpoint allows (the mock has no CreateTopics API).</summary>
    public abstract Task CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default);

    public abstract ValueTask DisposeAsync();

    public static async Task<KafkaEndpoint> StartAsync(EndpointKind kind, CancellationToken cancellationToken = default) => kind switch
    {
        EndpointKind.EmbeddedBroker => await EmbeddedBrokerEndpoint.StartAsync(dataDirectory: null, cancellationToken: cancellationToken),
        EndpointKind.LibrdkafkaMock => LibrdkafkaMockEndpoint.Start(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Our broker on a data directory the caller owns, for restart tests.</summary>
    public static async Task<KafkaEndpoint> StartEmbeddedBrokerAsync(string dataDirectory, FsyncPolicy fsync = FsyncPolicy.Interval, CancellationToken cancellationToken = default) =>
        await EmbeddedBrokerEndpoint.StartAsync(dataDirectory, fsync, cancellationToken);

    public override string ToString() => $"{Kind} at {BootstrapServers}";
}
