using System.Buffers;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>Finds the first record at or after a timestamp inside a batch (ListOffsets by timestamp); (-1, -1) when none is.</summary>
internal static class RecordTimestamps
{
    public static (long Offset, long Timestamp) FirstAtOrAfter(LogSegment segment, long position, in RecordBatchHeader header, long timestamp, long logStart)
    {
        var fallback = (Math.Max(header.BaseOffset, logStart), header.MaxTimestamp);
        if ((header.Attributes & RecordBatchHeader.TimestampTypeFlag) != 0)
        {
            // LogAppendTime: every record of the batch carries the batch's append time.
            return header.MaxTimestamp >= timestamp ? fallback : (-1, -1);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(header.TotalSize);
        try
        {
            var batch = buffer.AsSpan(0, header.TotalSize);
            if (segment.Read(batch, position) < batch.Length)
            {
                return fallback;
            }

            var records = new List<RecordInfo>(header.RecordCount);
            byte[] unpacked;
            try
            {
                unpacked = BatchRecords.Unpack(batch, header.Compression);
            }
            catch (InvalidDataException)
            {
                return fallback;
            }

            if (!BatchRecords.TryRead(unpacked, header.RecordCount, records))
            {
                return fallback;
            }

            foreach (var record in records)
            {
                var recordTimestamp = header.BaseTimestamp + record.TimestampDelta;
                var offset = header.BaseOffset + record.OffsetDelta;
                if (recordTimestamp >= timestamp && offset >= logStart)
                {
                    return (offset, recordTimestamp);
                }
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
