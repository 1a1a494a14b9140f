namespace CryptoStreams.Broker.Log;

/// <summary>A transaction that was aborted in one partition: read_committed consumers drop its records.</summary>
internal readonly record struct AbortedTransaction(long ProducerId, long FirstOffset, long LastOffset);

/// <summary>
/// Open and aborted transactions of one partition. The first offset of the earliest open transaction is the
/// last stable offset; aborted ranges are listed in read_committed fetches. Rebuilt from the log on start-up.
/// </summary>
internal sealed class TransactionIndex
{
    private readonly Dictionary<long, long> _openFirstOffsets = [];
    private readonly List<AbortedTransaction> _aborted = [];

    public int OpenCount => _openFirstOffsets.Count;

    public void OnTransactionalBatch(long producerId, long baseOffset) => _openFirstOffsets.TryAdd(producerId, baseOffset);

    public void OnMarker(long producerId, bool commit, long markerOffset)
    {
        if (_openFirstOffsets.Remove(producerId, out var first) && !commit)
        {
            _aborted.Add(new AbortedTransaction(producerId, first, markerOffset));
        }
    }

    /// <summary>Last stable offset given the log end offset.</summary>
    public long StableOffset(long logEndOffset)
    {
        var stable = logEndOffset;
        foreach (var first in _openFirstOffsets.Values)
        {
            stable = Math.Min(stable, first);
        }

        return stable;
    }

    /// <summary>Aborted transactions overlapping [from, to).</summary>
    public List<AbortedTransaction> AbortedIn(long from, long to)
    {
        var result = new List<AbortedTransaction>();
        foreach (var aborted in _aborted)
        {
            if (aborted.LastOffset >= from && aborted.FirstOffset < to)
            {
                result.Add(aborted);
            }
        }

        return result;
    }

    /// <summary>Forgets aborted ranges wholly before the log start (their records are gone).</summary>
    public void TrimBefore(long logStartOffset) => _aborted.RemoveAll(a => a.LastOffset < logStartOffset);

    public bool IsOpen(long producerId) => _openFirstOffsets.ContainsKey(producerId);

    /// <summary>First offset of the producer's open transaction, or -1.</summary>
    public long OpenSince(long producerId) => _openFirstOffsets.GetValueOrDefault(producerId, -1);

    public void CopyFrom(TransactionIndex other)
    {
        foreach (var (id, first) in other._openFirstOffsets)
        {
            _openFirstOffsets[id] = first;
        }

        _aborted.AddRange(other._aborted);
    }

    public void Clear()
    {
        _openFirstOffsets.Clear();
        _aborted.Clear();
    }
}
