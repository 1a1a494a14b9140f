using System.Collections.Immutable;
using CryptoStreams.Loader.Schema;
using CryptoStreams.Loader.Writing;

namespace CryptoStreams.Loader;

/// <summary>What the loader is doing.</summary>
public enum LoaderState
{
    Starting,
    Migrating,
    Running,

    /// <summary>The database refused or was unreachable; the batch is being retried, offsets have not moved.</summary>
    Retrying,
    Stopped,
    Faulted,
}

/// <summary>One read-only picture of the loader, for the status view and the management API.</summary>
/// <param name="State">Current state.</param>
/// <param name="Mode">Storage mode, once known.</param>
/// <param name="GroupId">Consumer group.</param>
/// <param name="RecordsConsumed">Records consumed and committed to the database (rows and dead letters).</param>
/// <param name="RowsWritten">Rows inserted or changed.</param>
/// <param name="DeadLetters">Records sent to <c>dlq.loader</c>.</param>
/// <param name="Batches">Batches committed.</param>
/// <param name="RowsPerSecond">Records per second over the last progress interval.</param>
/// <param name="LastBatchLatency">Duration of the last batch's transaction.</param>
/// <param name="Lag">Records behind the end of each assigned partition.</param>
/// <param name="LastError">The last failure, while retrying.</param>
/// <param name="UpdatedAt">When this picture was taken.</param>
public sealed record LoaderSnapshot(
    LoaderState State,
    StorageMode? Mode,
    string GroupId,
    long RecordsConsumed,
    long RowsWritten,
    long DeadLetters,
    long Batches,
    double RowsPerSecond,
    TimeSpan LastBatchLatency,
    ImmutableDictionary<TopicPartitionKey, long> Lag,
    string? LastError,
    DateTimeOffset UpdatedAt)
{
    public long TotalLag => Lag.Values.Sum();

    /// <summary>Partitions this loader owns in its group now (its share after the last rebalance).</summary>
    public int AssignedPartitions { get; init; }
}

/// <summary>The loader's status, registered as a singleton; <see cref="Current"/> is replaced atomically as it changes.</summary>
public sealed class LoaderStatus
{
    private LoaderSnapshot current;

    public LoaderStatus(string groupId, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        current = new LoaderSnapshot(LoaderState.Starting, null, groupId, 0, 0, 0, 0, 0, TimeSpan.Zero, ImmutableDictionary<TopicPartitionKey, long>.Empty, null, clock.GetUtcNow());
    }

    public LoaderSnapshot Current => Volatile.Read(ref current);

    internal void Update(Func<LoaderSnapshot, LoaderSnapshot> change)
    {
        while (true)
        {
            var before = Volatile.Read(ref current);
            if (ReferenceEquals(Interlocked.CompareExchange(ref current, change(before), before), before))
            {
                return;
            }
        }
    }
}
