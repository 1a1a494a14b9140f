using Confluent.Kafka;

namespace CryptoStreams.Archive.Consuming;

/// <summary>The archive's Kafka clients, configured in one place.</summary>
internal static class ArchiveKafka
{
    public static ConsumerConfig ConsumerConfig(ArchiveOptions options) => new()
    {
        BootstrapServers = options.BootstrapServers,
        GroupId = options.GroupId,
        ClientId = "cryptostreams-archive",
        EnableAutoCommit = false,
        EnableAutoOffsetStore = false,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        // No headers are archived: librdkafka then does not copy them into every ConsumeResult.
        ConsumeResultFields = "topic,timestamp",
        // As for the loader: catching up a backlog, a full local queue must not stop fetching for a whole second.
        FetchQueueBackoffMs = 10,
        // Eager assignment: a rebalance revokes everything, and each revoked partition's file is published first.
        PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
    };

    public static ProducerConfig DeadLetterProducerConfig(ArchiveOptions options) => new()
    {
        BootstrapServers = options.BootstrapServers,
        ClientId = "cryptostreams-archive-dlq",
        Acks = Acks.All,
        EnableIdempotence = true,
    };
}
