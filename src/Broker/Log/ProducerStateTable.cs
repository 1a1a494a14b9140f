using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Idempotent-producer bookkeeping of one partition: per producer id the epoch, the last sequence and the
/// last five batches (Kafka keeps five, matching max.in.flight=5), so a retried batch is answered with its
/// original offset instead of being written twice. Rebuilt from the log on start-up.
/// </summary>
internal sealed class ProducerStateTable
{
    private const int CachedBatches = 5;

    private readonly Dictionary<long, ProducerEntry> _producers = [];

    public int Count => _producers.Count;

    /// <summary>Decides what to do with a batch before it is appended.</summary>
    public ErrorCode Check(in RecordBatchHeader batch, out long duplicateOf)
    {
        duplicateOf = -1;
        if (!batch.HasProducerId || !_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            return ErrorCode.None;
        }

        if (batch.ProducerEpoch < entry.Epoch)
        {
            return ErrorCode.InvalidProducerEpoch;
        }

        if (batch.BaseSequence < 0 || batch.IsControl)
        {
            return ErrorCode.None;
        }

        if (batch.ProducerEpoch > entry.Epoch)
        {
            // A new epoch restarts sequences at zero.
            return batch.BaseSequence == 0 ? ErrorCode.None : ErrorCode.OutOfOrderSequenceNumber;
        }

        foreach (var cached in entry.Recent)
        {
            if (cached.FirstSequence == batch.BaseSequence && cached.LastSequence == batch.LastSequence)
            {
                duplicateOf = cached.BaseOffset;
                return ErrorCode.DuplicateSequenceNumber;
            }
        }

        var expected = entry.LastSequence == int.MaxValue ? 0 : entry.LastSequence + 1;
        return batch.BaseSequence == expected ? ErrorCode.None : ErrorCode.OutOfOrderSequenceNumber;
    }

    /// <summary>Records an appended batch (data or control).</summary>
    public void Update(in RecordBatchHeader batch)
    {
        if (!batch.HasProducerId)
        {
            return;
        }

        if (!_producers.TryGetValue(batch.ProducerId, out var entry))
        {
            entry = new ProducerEntry { Epoch = batch.ProducerEpoch };
            _producers[batch.ProducerId] = entry;
        }

        if (batch.ProducerEpoch > entry.Epoch)
        {
            entry.Epoch = batch.ProducerEpoch;
            entry.LastSequence = -1;
            entry.Recent.Clear();
        }

        entry.LastTimestamp = batch.MaxTimestamp;
        if (batch.IsControl || batch.BaseSequence < 0)
        {
            return;
        }

        entry.LastSequence = batch.LastSequence;
        if (entry.Recent.Count == CachedBatches)
        {
            entry.Recent.Dequeue();
        }

        entry.Recent.Enqueue(new CachedBatch(batch.BaseSequence, batch.LastSequence, batch.BaseOffset));
    }

    public void Clear() => _producers.Clear();

    /// <summary>The producers known to this partition (DescribeProducers): id, epoch, last sequence and timestamp.</summary>
    public List<(long ProducerId, short Epoch, int LastSequence, long LastTimestamp)> Snapshot() =>
        [.. _producers.Select(kv => (kv.Key, kv.Value.Epoch, kv.Value.LastSequence, kv.Value.LastTimestamp))];

    /// <summary>Takes over the state rebuilt while recovering the log.</summary>
    public void CopyFrom(ProducerStateTable other)
    {
        foreach (var (id, entry) in other._producers)
        {
            _producers[id] = entry;
        }
    }

    private sealed class ProducerEntry
    {
        public short Epoch { get; set; }

        public int LastSequence { get; set; } = -1;

        public long LastTimestamp { get; set; } = -1;

        public Queue<CachedBatch> Recent { get; } = new(CachedBatches);
    }

    private readonly record struct CachedBatch(int FirstSequence, int LastSequence, long BaseOffset);
}
