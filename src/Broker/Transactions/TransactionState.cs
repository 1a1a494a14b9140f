namespace CryptoStreams.Broker.Transactions;

/// <summary>Where a transactional id is in its life cycle (Kafka's coordinator states).</summary>
internal enum TransactionStatus : byte
{
    Empty = 0,
    Ongoing = 1,
    PrepareCommit = 2,
    PrepareAbort = 3,
    CompleteCommit = 4,
    CompleteAbort = 5,
}

/// <summary>Offsets sent with TxnOffsetCommit; they reach the group only when the transaction commits.</summary>
internal readonly record struct PendingOffset(string Group, string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata);

/// <summary>One transactional id's producer, epoch and current transaction. Guarded by the coordinator's lock.</summary>
internal sealed class TransactionState
{
    public TransactionState(string transactionalId) => TransactionalId = transactionalId;

    public string TransactionalId { get; }

    public long ProducerId { get; set; }

    public short Epoch { get; set; }

    public int TimeoutMs { get; set; }

    public TransactionStatus Status { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public HashSet<(string Topic, int Partition)> Partitions { get; } = [];

    public HashSet<string> Groups { get; } = new(StringComparer.Ordinal);

    public Dictionary<(string Group, string Topic, int Partition), PendingOffset> PendingOffsets { get; } = [];

    public void ClearTransaction()
    {
        Partitions.Clear();
        Groups.Clear();
        PendingOffsets.Clear();
    }
}

/// <summary>A transactional id's state as the admin APIs report it.</summary>
internal sealed record TransactionSnapshot(
    string TransactionalId, long ProducerId, short Epoch, int TimeoutMs, TransactionStatus Status, long StartedAtMs, List<(string Topic, int Partition)> Partitions);
