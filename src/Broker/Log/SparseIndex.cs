namespace CryptoStreams.Broker.Log;

/// <summary>
/// Offset → file position entries, one per <see cref="Interval"/> bytes of a segment, so a lookup reads at
/// most a few kilobytes of batch headers. Appended by the single writer, read by many fetches without a lock:
/// an entry is written before the count that publishes it.
/// </summary>
internal sealed class SparseIndex
{
    public const int Interval = 4096;

    private long[] _offsets = new long[64];
    private int[] _positions = new int[64];
    private int _count;
    private long _lastIndexedPosition = -Interval;

    public int Count => Volatile.Read(ref _count);

    public void MaybeAdd(long batchBaseOffset, long position)
    {
        if (position - _lastIndexedPosition < Interval)
        {
            return;
        }

        if (_count == _offsets.Length)
        {
            // Readers keep using the old arrays safely: every entry below their count exists in both.
            var offsets = new long[_count * 2];
            var positions = new int[_count * 2];
            Array.Copy(_offsets, offsets, _count);
            Array.Copy(_positions, positions, _count);
            _positions = positions;
            _offsets = offsets;
        }

        _offsets[_count] = batchBaseOffset;
        _positions[_count] = (int)position;
        _lastIndexedPosition = position;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Position of the last indexed batch starting at or before <paramref name="offset"/> (0 when none).</summary>
    public long Floor(long offset)
    {
        var count = Count;
        var offsets = _offsets;
        var positions = _positions;
        if (offsets.Length < count || positions.Length < count)
        {
            return 0;
        }

        int lo = 0, hi = count - 1, found = -1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (offsets[mid] <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found < 0 ? 0 : positions[found];
    }

    public void Clear()
    {
        Volatile.Write(ref _count, 0);
        _lastIndexedPosition = -Interval;
    }

    /// <summary>Drops entries at or past <paramref name="position"/> (after a truncation).</summary>
    public void TruncateTo(long position)
    {
        var count = _count;
        while (count > 0 && _positions[count - 1] >= position)
        {
            count--;
        }

        Volatile.Write(ref _count, count);
        _lastIndexedPosition = count == 0 ? -Interval : _positions[count - 1];
    }

    /// <summary>Writes the entries as (int64 offset, int32 position) pairs: the .index file of a sealed segment.</summary>
    public byte[] Serialize()
    {
        var count = Count;
        var bytes = new byte[count * 12];
        for (var i = 0; i < count; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(i * 12), _offsets[i]);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan((i * 12) + 8), _positions[i]);
        }

        return bytes;
    }
}
