using CryptoStreams.Broker.Groups;
using CryptoStreams.Broker.Transactions;

namespace CryptoStreams.Broker.State;

/// <summary>Rewrites the coordinator journal as a snapshot of the live state, so it does not grow forever.</summary>
internal static class CoordinatorCompaction
{
    /// <summary>Journal size above which the running broker compacts it.</summary>
    public const long Threshold = 64L * 1024 * 1024;

    public static void Compact(CoordinatorJournal journal, GroupCoordinator groups, TransactionCoordinator transactions)
    {
        // Same lock order as the coordinators themselves (transactions → groups), and both held, so no append
        // can land in the old file after the snapshot was taken.
        lock (transactions.SyncRoot)
        {
            lock (groups.SyncRoot)
            {
                journal.Rewrite([.. groups.SnapshotEntries(), .. transactions.SnapshotEntries()]);
            }
        }
    }
}
