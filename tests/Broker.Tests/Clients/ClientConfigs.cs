using Confluent.Kafka;

namespace CryptoStreams.Broker.Tests.Clients;

/// <summary>Client settings shared by the suite: short timeouts so a failure shows up in seconds, not minutes.</summary>
public static class ClientConfigs
{
    public static ProducerConfig Producer(string bootstrapServers, CompressionType compression = CompressionType.None, bool idempotent = false) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = idempotent,
        CompressionType = compression,
        LingerMs = 5,
        MessageTimeoutMs = 30_000,
        SocketTimeoutMs = 10_000,
    };

    public static ConsumerConfig Consumer(string bootstrapServers, string groupId, IsolationLevel isolation = IsolationLevel.ReadUncommitted) => new()
    {
        BootstrapServers = bootstrapServers,
        GroupId = groupId,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        EnableAutoCommit = false,
        EnablePartitionEof = true,
        IsolationLevel = isolation,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 500,
        FetchWaitMaxMs = 50,
        SocketTimeoutMs = 10_000,
    };

    public static AdminClientConfig Admin(string bootstrapServers) => new() { BootstrapServers = bootstrapServers, SocketTimeoutMs = 10_000 };

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
