using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Groups;
using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.State;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Transactions;

/// <summary>
/// Producer ids and transactions: InitProducerId with epoch fencing, AddPartitions/AddOffsets, TxnOffsetCommit,
/// EndTxn writing commit/abort markers into every partition of the transaction, and timeout aborts.
/// State changes are journaled before markers are written, so a restart finishes a half-ended transaction.
/// </summary>
internal sealed class TransactionCoordinator
{
    internal const byte NextProducerIdEntry = 3;
    internal const byte TransactionEntry = 4;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, TransactionState> _states = new(StringComparer.Ordinal);
    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CoordinatorJournal _journal;
    private readonly TopicStore _topics;
    private readonly GroupCoordinator _groups;
    private long _nextProducerId = 1000;

    public TransactionCoordinator(BrokerOptions options, TimeProvider time, ILogger logger, CoordinatorJournal journal, TopicStore topics, GroupCoordinator groups)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _journal = journal;
        _topics = topics;
        _groups = groups;
    }

    /// <summary>Raised after markers were written (the last stable offset moved: wake read_committed fetches).</summary>
    public event Action? MarkersWritten;

    internal Lock SyncRoot => _lock;

    /// <summary>Copies of the transactional ids' states (ListTransactions, DescribeTransactions).</summary>
    public List<TransactionSnapshot> Snapshot()
    {
        lock (_lock)
        {
            return [.. _states.Values.Select(s => new TransactionSnapshot(
                s.TransactionalId, s.ProducerId, s.Epoch, s.TimeoutMs, s.Status,
                s.Status == TransactionStatus.Ongoing ? s.StartedAt.ToUnixTimeMilliseconds() : -1,
                [.. s.Partitions]))];
        }
    }

    private long AllocateProducerId()
    {
        var id = _nextProducerId++;
        _journal.Append(w =>
        {
            w.WriteInt8((sbyte)NextProducerIdEntry);
            w.WriteInt64(_nextProducerId);
        });
        return id;
    }

    public (ErrorCode Error, long ProducerId, short Epoch) InitProducerId(string? transactionalId, int timeoutMs, long producerId, short epoch)
    {
        lock (_lock)
        {
            if (transactionalId is null)
            {
                // Idempotent producer; v3+ clients may ask to bump the epoch of the id they hold.
                return producerId >= 0 && epoch >= 0 && epoch < short.MaxValue - 1
                    ? (ErrorCode.None, producerId, (short)(epoch + 1))
                    : (ErrorCode.None, AllocateProducerId(), (short)0);
            }

            if (timeoutMs <= 0 || timeoutMs > _options.MaxTransactionTimeout.TotalMilliseconds)
            {
                return (ErrorCode.InvalidTransactionTimeout, -1, -1);
            }

            if (!_states.TryGetValue(transactionalId, out var state))
            {
                state = new TransactionState(transactionalId) { ProducerId = AllocateProducerId(), Epoch = 0 };
                _states[transactionalId] = state;
            }
            else
            {
                if (producerId >= 0 && (producerId != state.ProducerId || epoch != state.Epoch))
                {
                    return (ErrorCode.ProducerFenced, -1, -1);
                }

                if (state.Status is TransactionStatus.Ongoing or TransactionStatus.PrepareAbort)
                {
                    // A new instance of the same transactional id: fence the old one and abort what it left open.
                    BumpEpoch(state);
                    Complete(state, commit: false);
                }
                else if (state.Status == TransactionStatus.PrepareCommit)
                {
                    Complete(state, commit: true);
                    BumpEpoch(state);
                }
                else
                {
                    BumpEpoch(state);
                }
            }

            state.TimeoutMs = timeoutMs;
            state.Status = TransactionStatus.Empty;
            state.ClearTransaction();
            Persist(state);
            return (ErrorCode.None, state.ProducerId, state.Epoch);
        }
    }

    private void BumpEpoch(TransactionState state)
    {
        if (state.Epoch >= short.MaxValue - 1)
        {
            state.ProducerId = AllocateProducerId();
            state.Epoch = 0;
        }
        else
        {
            state.Epoch++;
        }
    }

    private ErrorCode Check(string transactionalId, long producerId, short epoch, short version, out TransactionState state)
    {
        if (!_states.TryGetValue(transactionalId, out state!) || state.ProducerId != producerId)
        {
            return ErrorCode.InvalidProducerIdMapping;
        }

        if (epoch != state.Epoch)
        {
            return version >= 2 ? ErrorCode.ProducerFenced : ErrorCode.InvalidProducerEpoch;
        }

        return state.Status is TransactionStatus.PrepareCommit or TransactionStatus.PrepareAbort ? ErrorCode.ConcurrentTransactions : ErrorCode.None;
    }

    private void Begin(TransactionState state)
    {
        if (state.Status != TransactionStatus.Ongoing)
        {
            state.Status = TransactionStatus.Ongoing;
            state.StartedAt = _time.GetUtcNow();
        }
    }

    public List<(string Topic, List<(int Partition, ErrorCode Error)> Partitions)> AddPartitions(
        string transactionalId, long producerId, short epoch, short version, List<(string Topic, List<int> Partitions)> topics)
    {
        lock (_lock)
        {
            var error = Check(transactionalId, producerId, epoch, version, out var state);
            var unknown = error == ErrorCode.None && topics.Any(t => t.Partitions.Any(p => _topics.FindPartition(t.Topic, p) is null));
            if (error == ErrorCode.None && !unknown)
            {
                Begin(state);
                foreach (var (topic, partitions) in topics)
                {
                    foreach (var partition in partitions)
                    {
                        state.Partitions.Add((topic, partition));
                    }
                }

                Persist(state);
            }

            return [.. topics.Select(t => (t.Topic, t.Partitions.Select(p => (p,
                error != ErrorCode.None ? error
                : _topics.FindPartition(t.Topic, p) is null ? ErrorCode.UnknownTopicOrPartition
                : unknown ? OperationNotAttempted : ErrorCode.None)).ToList()))];
        }
    }

    private const ErrorCode OperationNotAttempted = (ErrorCode)55;

    public ErrorCode AddOffsets(string transactionalId, long producerId, short epoch, short version, string groupId)
    {
        lock (_lock)
        {
            var error = Check(transactionalId, producerId, epoch, version, out var state);
            if (error != ErrorCode.None)
            {
                return error;
            }

            Begin(state);
            state.Groups.Add(groupId);
            Persist(state);
            return ErrorCode.None;
        }
    }

    public ErrorCode TxnOffsetCommit(string transactionalId, string groupId, long producerId, short epoch, IEnumerable<PendingOffset> offsets)
    {
        lock (_lock)
        {
            var error = Check(transactionalId, producerId, epoch, 2, out var state);
            if (error != ErrorCode.None)
            {
                return error;
            }

            if (state.Status != TransactionStatus.Ongoing || !state.Groups.Contains(groupId))
            {
                return ErrorCode.InvalidTxnState;
            }

            foreach (var offset in offsets)
            {
                state.PendingOffsets[(offset.Group, offset.Topic, offset.Partition)] = offset;
            }

            Persist(state);
            return ErrorCode.None;
        }
    }

    public ErrorCode EndTxn(string transactionalId, long producerId, short epoch, short version, bool commit)
    {
        lock (_lock)
        {
            var error = Check(transactionalId, producerId, epoch, version, out var state);
            if (error != ErrorCode.None)
            {
                return error;
            }

            switch (state.Status)
            {
                case TransactionStatus.Ongoing:
                    Complete(state, commit);
                    Persist(state);
                    return ErrorCode.None;
                case TransactionStatus.Empty:
                    return ErrorCode.None;
                case TransactionStatus.CompleteCommit:
                    return commit ? ErrorCode.None : ErrorCode.InvalidTxnState;
                case TransactionStatus.CompleteAbort:
                    return commit ? ErrorCode.InvalidTxnState : ErrorCode.None;
                default:
                    return ErrorCode.ConcurrentTransactions;
            }
        }
    }

    /// <summary>Journals the decision, writes markers (made durable), applies offsets, and ends the transaction.</summary>
    private void Complete(TransactionState state, bool commit)
    {
        state.Status = commit ? TransactionStatus.PrepareCommit : TransactionStatus.PrepareAbort;
        Persist(state);
        var logs = new List<PartitionLog>();
        foreach (var (topic, partition) in state.Partitions)
        {
            var log = _topics.FindPartition(topic, partition);
            if (log is not null && log.HasOpenTransaction(state.ProducerId))
            {
                log.AppendMarker(state.ProducerId, state.Epoch, commit);
                logs.Add(log);
            }
        }

        if (_options.FsyncPolicy == FsyncPolicy.Always)
        {
            foreach (var log in logs)
            {
                log.Flush();
            }
        }

        if (commit)
        {
            foreach (var group in state.PendingOffsets.Values.GroupBy(o => o.Group))
            {
                _groups.CommitOffsets(group.Key, [.. group.Select(o => (o.Topic, o.Partition, o.Offset, o.LeaderEpoch, o.Metadata))]);
            }
        }

        BrokerLog.TransactionEnded(_logger, state.TransactionalId, state.ProducerId, state.Epoch, commit ? "committed" : "aborted", state.Partitions.Count);
        state.Status = commit ? TransactionStatus.CompleteCommit : TransactionStatus.CompleteAbort;
        state.ClearTransaction();
        MarkersWritten?.Invoke();
    }

    /// <summary>Aborts transactions open longer than their timeout, fencing the producer (as Kafka does).</summary>
    public void Tick()
    {
        lock (_lock)
        {
            var now = _time.GetUtcNow();
            foreach (var state in _states.Values)
            {
                if (state.Status == TransactionStatus.Ongoing && (now - state.StartedAt).TotalMilliseconds > state.TimeoutMs)
                {
                    BrokerLog.TransactionTimedOut(_logger, state.TransactionalId, state.ProducerId);
                    BumpEpoch(state);
                    Complete(state, commit: false);
                    Persist(state);
                }
            }
        }
    }

    /// <summary>Finishes transactions the journal shows were being ended when the broker stopped.</summary>
    public void RecoverAfterReplay()
    {
        lock (_lock)
        {
            foreach (var state in _states.Values)
            {
                if (state.Status is TransactionStatus.PrepareCommit or TransactionStatus.PrepareAbort)
                {
                    Complete(state, state.Status == TransactionStatus.PrepareCommit);
                    Persist(state);
                }
                else if (state.Status == TransactionStatus.Ongoing)
                {
                    // The timeout restarts: the producer may still be alive and commit.
                    state.StartedAt = _time.GetUtcNow();
                }
            }
        }
    }

    private void Persist(TransactionState state) => _journal.Append(w => WriteState(w, state));

    private static void WriteState(KafkaWriter w, TransactionState state)
    {
        w.WriteInt8((sbyte)TransactionEntry);
        w.WriteString(state.TransactionalId, false);
        w.WriteInt64(state.ProducerId);
        w.WriteInt16(state.Epoch);
        w.WriteInt32(state.TimeoutMs);
        w.WriteInt8((sbyte)state.Status);
        w.WriteInt32(state.Partitions.Count);
        foreach (var (topic, partition) in state.Partitions)
        {
            w.WriteString(topic, false);
            w.WriteInt32(partition);
        }

        w.WriteInt32(state.Groups.Count);
        foreach (var group in state.Groups)
        {
            w.WriteString(group, false);
        }

        w.WriteInt32(state.PendingOffsets.Count);
        foreach (var offset in state.PendingOffsets.Values)
        {
            w.WriteString(offset.Group, false);
            w.WriteString(offset.Topic, false);
            w.WriteInt32(offset.Partition);
            w.WriteInt64(offset.Offset);
            w.WriteInt32(offset.LeaderEpoch);
            w.WriteNullableString(offset.Metadata, false);
        }
    }

    public void Apply(byte kind, KafkaReader entry)
    {
        if (kind == NextProducerIdEntry)
        {
            _nextProducerId = Math.Max(_nextProducerId, entry.ReadInt64());
            return;
        }

        var state = new TransactionState(entry.ReadString(false))
        {
            ProducerId = entry.ReadInt64(),
            Epoch = entry.ReadInt16(),
            TimeoutMs = entry.ReadInt32(),
            Status = (TransactionStatus)entry.ReadInt8(),
        };
        var partitions = entry.ReadInt32();
        for (var i = 0; i < partitions; i++)
        {
            state.Partitions.Add((entry.ReadString(false), entry.ReadInt32()));
        }

        var groups = entry.ReadInt32();
        for (var i = 0; i < groups; i++)
        {
            state.Groups.Add(entry.ReadString(false));
        }

        var offsets = entry.ReadInt32();
        for (var i = 0; i < offsets; i++)
        {
            var offset = new PendingOffset(entry.ReadString(false), entry.ReadString(false), entry.ReadInt32(), entry.ReadInt64(), entry.ReadInt32(), entry.ReadNullableString(false));
            state.PendingOffsets[(offset.Group, offset.Topic, offset.Partition)] = offset;
        }

        _states[state.TransactionalId] = state;
        _nextProducerId = Math.Max(_nextProducerId, state.ProducerId + 1);
    }

    /// <summary>Live state as journal entries (compaction). Caller holds <see cref="SyncRoot"/>.</summary>
    public IEnumerable<Action<KafkaWriter>> SnapshotEntries()
    {
        var next = _nextProducerId;
        var entries = new List<Action<KafkaWriter>>
        {
            w =>
            {
                w.WriteInt8((sbyte)NextProducerIdEntry);
                w.WriteInt64(next);
            },
        };
        foreach (var state in _states.Values)
        {
            entries.Add(w => WriteState(w, state));
        }

        return entries;
    }
}
