using Confluent.Kafka;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;

namespace CryptoStreams.Cli.Hosting;

/// <summary>Which stages one host runs.</summary>
[Flags]
internal enum PipelineStages
{
    None = 0,
    Broker = 1,
    Extractors = 2,
    Topology = 4,
    Loader = 8,
    Api = 16,
    Archive = 32,
    All = Broker | Extractors | Topology | Loader | Api | Archive,
}

/// <summary>What the host composes, resolved from options and configuration before it starts.</summary>
/// <param name="Stages">Stages this host runs.</param>
/// <param name="BootstrapServers">Kafka (the embedded broker's address when <see cref="PipelineStages.Broker"/> is set).</param>
/// <param name="Partitions">Partitions of every catalog topic created at start-up.</param>
/// <param name="ReplicationFactor">Replicas of created topics.</param>
/// <param name="ReplayDirectory">Replay recorded frames from here instead of running the live or simulated sources.</param>
internal sealed record PipelineSettings(
    PipelineStages Stages, string BootstrapServers, int Partitions = TopicCatalog.DefaultPartitions, short ReplicationFactor = 1, string? ReplayDirectory = null)
{
    /// <summary>How the host's own clients (topic creation, status view, dashboard) authenticate: <c>Kafka:*</c>, overridden by <c>Cli:Kafka:*</c>.</summary>
    public KafkaSecurityOptions Kafka { get; init; } = new();

    /// <summary>
    /// A consumer of the host's own that assigns partitions and commits nothing (status view, dashboard feed and history):
    /// <paramref name="name"/> is its group and client id, <see cref="Kafka"/> its login.
    /// </summary>
    public ConsumerConfig ReaderConfig(string name) => Kafka.ApplyTo(new ConsumerConfig
    {
        BootstrapServers = BootstrapServers,
        GroupId = name,
        ClientId = name,
        EnableAutoCommit = false,
    });

    public bool Runs(PipelineStages stage) => (Stages & stage) == stage;
}
