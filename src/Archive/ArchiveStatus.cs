using System.Collections.Immutable;
using CryptoStreams.Archive.Layout;

namespace CryptoStreams.Archive;

/// <summary>What the archive is doing.</summary>
public enum ArchiveState
{
    Starting,
    Running,

    /// <summary>Publishing a file failed (e.g. S3 unreachable); it is retried, offsets have not moved.</summary>
    Retrying,
    Stopped,
    Faulted,
}

/// <summary>One read-only picture of the archive, for the status view, <c>/status</c> and the metrics.</summary>
/// <param name="State">Current state.</param>
/// <param name="GroupId">Consumer group.</param>
/// <param name="Destination">Folder or <c>s3://bucket/prefix</c>.</param>
/// <param name="Files">Files published.</param>
/// <param name="Rows">Rows in the published files.</param>
/// <param name="Bytes">Bytes of the published files.</param>
/// <param name="DeadLetters">Records that were not valid records of their topic, sent to <c>dlq.archive</c>.</param>
/// <param name="RowsPerSecond">Rows consumed per second over the last progress interval.</param>
/// <param name="OpenFiles">Files being written (not yet published).</param>
/// <param name="BufferedRows">Rows in those files.</param>
/// <param name="Lag">Records behind the end of each assigned partition (consumed position, not yet published ones).</param>
/// <param name="LastFile">The last published file, relative to the destination.</param>
/// <param name="LastError">The last failure, while retrying.</param>
/// <param name="UpdatedAt">When this picture was taken.</param>
public sealed record ArchiveSnapshot(
    ArchiveState State,
    string GroupId,
    string Destination,
    long Files,
    long Rows,
    long Bytes,
    long DeadLetters,
    double RowsPerSecond,
    int OpenFiles,
    long BufferedRows,
    ImmutableDictionary<ArchivePartition, long> Lag,
    string? LastFile,
    string? LastError,
    DateTimeOffset UpdatedAt)
{
    public long TotalLag => Lag.Values.Sum();
}

/// <summary>The archive's status, a singleton; <see cref="Current"/> is replaced atomically as it changes.</summary>
public sealed class ArchiveStatus
{
    private ArchiveSnapshot current;

    public ArchiveStatus(string groupId, string destination, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        current = new ArchiveSnapshot(ArchiveState.Starting, groupId, destination, 0, 0, 0, 0, 0, 0, 0, ImmutableDictionary<ArchivePartition, long>.Empty, null, null, clock.GetUtcNow());
    }

    public ArchiveSnapshot Current => Volatile.Read(ref current);

    internal void Update(Func<ArchiveSnapshot, ArchiveSnapshot> change)
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
