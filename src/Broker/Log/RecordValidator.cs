using System.Buffers.Binary;
using System.Globalization;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// The per-record checks Kafka makes on produce (KIP-467): a record without a key on a compacted topic
/// (INVALID_RECORD) and a CreateTime timestamp outside message.timestamp.before/after.max.ms (INVALID_TIMESTAMP).
/// Either refuses the partition's whole request, naming each offending record, as Kafka does.
/// </summary>
internal static class RecordValidator
{
    public static AppendResult? Check(ReadOnlySpan<byte> span, List<(int Start, int Length)> batches, TopicConfig config, string topic, int partition, long now)
    {
        var compacted = config.IsCompacted;
        var (before, after) = config.IsLogAppendTime ? (long.MaxValue, long.MaxValue) : config.TimestampBounds;
        var checkTimestamps = before != long.MaxValue || after != long.MaxValue;
        if (!compacted && !checkTimestamps)
        {
            return null;
        }

        var low = before == long.MaxValue ? long.MinValue : now - before;
        var high = after == long.MaxValue ? long.MaxValue : now + after;
        var keyMessage = $"Compacted topic cannot accept message without key in topic partition {topic}-{partition.ToString(CultureInfo.InvariantCulture)}.";
        var keyErrors = new List<RecordError>();
        var timeErrors = new List<RecordError>();
        var records = new List<RecordInfo>();
        var indexBase = 0;
        foreach (var (start, length) in batches)
        {
            var batch = span.Slice(start, length);
            var header = new RecordBatchHeader(batch);
            records.Clear();
            try
            {
                if (!BatchRecords.TryRead(BatchRecords.Unpack(batch, header.Compression), header.RecordCount, records))
                {
                    return new AppendResult(ErrorCode.CorruptMessage, -1, -1, "records of the batch are malformed");
                }
            }
            catch (InvalidDataException ex)
            {
                return new AppendResult(ErrorCode.CorruptMessage, -1, -1, $"records cannot be decompressed: {ex.Message}");
            }

            foreach (var record in records)
            {
                if (compacted && !record.HasKey)
                {
                    keyErrors.Add(new RecordError(indexBase + record.Index, keyMessage));
                }

                var timestamp = header.BaseTimestamp + record.TimestampDelta;
                if (checkTimestamps && (timestamp < low || timestamp > high))
                {
                    timeErrors.Add(new RecordError(
                        indexBase + record.Index,
                        string.Create(CultureInfo.InvariantCulture, $"Timestamp {timestamp} of message with offset {record.OffsetDelta} is out of range. The timestamp should be within [{low}, {high}]")));
                }
            }

            indexBase += records.Count;
        }

        if (keyErrors.Count > 0)
        {
            return new AppendResult(ErrorCode.InvalidRecord, -1, -1, keyMessage)
            {
                RecordErrors = keyErrors,
            };
        }

        return timeErrors.Count > 0
            ? new AppendResult(ErrorCode.InvalidTimestamp, -1, -1, timeErrors[0].Message) { RecordErrors = timeErrors }
            : null;
    }

    /// <summary>Marks a batch LogAppendTime with the broker's clock as its max timestamp and re-signs it, as Kafka does.</summary>
    public static void StampLogAppendTime(Span<byte> batch, long appendTime)
    {
        var attributes = BinaryPrimitives.ReadInt16BigEndian(batch[RecordBatchHeader.AttributesAt..]);
        BinaryPrimitives.WriteInt16BigEndian(batch[RecordBatchHeader.AttributesAt..], (short)(attributes | RecordBatchHeader.TimestampTypeFlag));
        BinaryPrimitives.WriteInt64BigEndian(batch[RecordBatchHeader.MaxTimestampAt..], appendTime);
        BinaryPrimitives.WriteUInt32BigEndian(batch[RecordBatchHeader.CrcAt..], Crc32C.Compute(batch[RecordBatchHeader.AttributesAt..]));
    }
}
