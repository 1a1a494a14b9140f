using System.Buffers;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>Finds the first record at or after a timestamp inside a batch (ListOffsets by timestamp); (-1, -1) when none is.</summary>
internal static class RecordTimestamps
{
    public static (long Offset, long Timestamp) FirstAtOrAfter(LogSegment segment, long position, in RecordBatchHeader header, long timestamp, long logStart)
    {
        var fallback = (Math.Max(header.BaseOffset, logStart), header.MaxTimestamp);
        if (header.Compression != 0)
        {
            // Compressed records are not unpacked for this; the batch start is a safe lower bound.
            return fallback;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
        try
        {
            var batch = buffer.AsSpan(0, header.TotalSize);
            if (segment.Read(batch, position) < batch.Length)
            {
                return fallback;
            }

            var pos = RecordBatchHeader.Size;
            for (var i = 0; i < header.RecordCount; i++)
            {
                if (!RecordVarInt.TryRead(batch, ref pos, out var length) || length < 0)
                {
                    return fallback;
                }

                var next = pos + length;
                pos++; // attributes
                if (!RecordVarInt.TryReadLong(batch, ref pos, out var timestampDelta) || !RecordVarInt.TryRead(batch, ref pos, out var offsetDelta))
                {
                    return fallback;
                }

                var recordTimestamp = header.BaseTimestamp + timestampDelta;
                var offset = header.BaseOffset + offsetDelta;
                if (recordTimestamp >= timestamp && offset >= logStart)
                {
                    return (offset, recordTimestamp);
                }

                pos = next;
            }

            // Every record is older: the batch's max timestamp (as the producer wrote it) overstated it.
            return (-1, -1);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
