using Confluent.Kafka;
using Confluent.Kafka.Admin;

namespace CryptoStreams.Broker.Tests.Endpoints;

/// <summary>Our broker, hosted in this process on an ephemeral loopback port.</summary>
public sealed class EmbeddedBrokerEndpoint : KafkaEndpoint
{
    private readonly EmbeddedBroker _broker;

    private EmbeddedBrokerEndpoint(EmbeddedBroker broker) => _broker = broker;

    public override EndpointKind Kind => EndpointKind.EmbeddedBroker;

    public override string BootstrapServers => _broker.BootstrapServers;

    /// <summary>Starts a broker; a null <paramref name="dataDirectory"/> gives a fresh one deleted on dispose.</summary>
    public static async Task<EmbeddedBrokerEndpoint> StartAsync(string? dataDirectory, FsyncPolicy fsync = FsyncPolicy.Interval, CancellationToken cancellationToken = default)
    {
        var options = new BrokerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            DataDirectory = dataDirectory,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            FsyncPolicy = fsync,
        };
        return new EmbeddedBrokerEndpoint(await EmbeddedBroker.StartAsync(options, loggerFactory: null, cancellationToken));
    }

    public override async Task CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    public override ValueTask DisposeAsync() => _broker.DisposeAsync();
}
