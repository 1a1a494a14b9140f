using CryptoStreams.TestSupport.Kafka;

namespace CryptoStreams.Broker.Tests.Endpoints;

/// <summary>librdkafka's in-process mock cluster with one broker and no initial rebalance delay.</summary>
public sealed class LibrdkafkaMockEndpoint : KafkaEndpoint
{
    private readonly LibrdkafkaMockCluster _cluster;

    private LibrdkafkaMockEndpoint(LibrdkafkaMockCluster cluster) => _cluster = cluster;

    public override EndpointKind Kind => EndpointKind.LibrdkafkaMock;

    public override string BootstrapServers => _cluster.BootstrapServers;

    public static LibrdkafkaMockEndpoint Start() => new(LibrdkafkaMockCluster.Start(brokers: 1, groupInitialRebalanceDelay: TimeSpan.Zero));

    public override Task CreateTopicAsync(string topic, int partitions, CancellationToken cancellationToken = default)
    {
        _cluster.CreateTopic(topic, partitions);
        return Task.CompletedTask;
    }

    public override ValueTask DisposeAsync()
    {
        _cluster.Dispose();
        return ValueTask.CompletedTask;
    }
}
