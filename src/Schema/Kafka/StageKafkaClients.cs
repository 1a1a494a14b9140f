using Confluent.Kafka;

namespace CryptoStreams.Schema.Kafka;

/// <summary>
/// The Kafka client settings the stages that consume a topic into a store of their own (the loader into PostgreSQL,
/// the archive into Parquet files) share, so a tuning found for one (e.g. the fetch back-off) reaches the other, and
/// each authenticates as its stage's user (<see cref="KafkaSecurityOptions"/>).
/// </summary>
public static class StageKafkaClients
{
    /// <summary>
    /// A consumer whose positions live in its own store: no auto-commit or auto offset store (the stage seeks on
    /// assignment and commits only after its output is durable), earliest on a new group, eager range assignment
    /// (a rebalance revokes everything, so nothing is left half-written on a partition), no headers copied.
    /// </summary>
    public static ConsumerConfig Consumer(string bootstrapServers, string groupId, string clientId, KafkaSecurityOptions security) => Secured(security, new ConsumerConfig
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        ClientId = clientId,
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // These stages read no headers: librdkafka then does not copy them into every ConsumeResult.
        ConsumeResultFields = "topic,timestamp",
        // Catching up a backlog, one fetch can fill librdkafka's local queue (queued.min.messages), and it then
        // stops fetching for fetch.queue.backoff.ms — a second by default, which held the loader to ~150k rec/s.
        FetchQueueBackoffMs = 10,
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
    });

    /// <summary>A dead-letter producer: every letter acknowledged by all replicas, no duplicates from its own retries.</summary>
    public static ProducerConfig DeadLetterProducer(string bootstrapServers, string clientId, KafkaSecurityOptions security) => Secured(security, new ProducerConfig
    {
        BootstrapServers = bootstrapServers,
        ClientId = clientId,
        Acks = Acks.All,
        EnableIdempotence = true,
    });

    private static T Secured<T>(KafkaSecurityOptions security, T config)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(security);
        return security.ApplyTo(config);
    }
}
