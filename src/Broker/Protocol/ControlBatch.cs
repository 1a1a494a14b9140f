using System.Buffers.Binary;

namespace CryptoStreams.Broker.Protocol;

/// <summary>
/// Transaction markers: the one-record control batches EndTxn writes into every partition of a transaction.
/// Key = (version 0, type 0 abort / 1 commit), value = (version 0, coordinator epoch).
/// </summary>
internal static class ControlBatch
{
    public static byte[] Build(long producerId, short producerEpoch, bool commit, long timestamp)
    {
        Span<byte> record = stackalloc byte[32];
        var r = 0;
        r = PutVarInt(record, r, 0); // placeholder for length, fixed below
        var bodyStart = r;
        record[r++] = 0; // record attributes
        r = PutVarLong(record, r, 0); // timestamp delta
        r = PutVarInt(record, r, 0); // offset delta
        r = PutVarInt(record, r, 4); // key length
        BinaryPrimitives.WriteInt16BigEndian(record[r..], 0);
        BinaryPrimitives.WriteInt16BigEndian(record[(r + 2)..], commit ? (short)1 : (short)0);
        r += 4;
        r = PutVarInt(record, r, 6); // value length
        BinaryPrimitives.WriteInt16BigEndian(record[r..], 0);
        BinaryPrimitives.WriteInt32BigEndian(record[(r + 2)..], 0);
        r += 6;
        r = PutVarInt(record, r, 0); // headers
        var bodyLength = r - bodyStart;
        record[0] = (byte)(bodyLength << 1); // zig-zag of a small positive length fits one byte

        var batch = new byte[RecordBatchHeader.Size + r];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LengthAt..], batch.Length - RecordBatchHeader.LogOverhead);
        span[RecordBatchHeader.MagicAt] = 2;
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.AttributesAt..], RecordBatchHeader.TransactionalFlag | RecordBatchHeader.ControlFlag);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.BaseTimestampAt..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.MaxTimestampAt..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.ProducerIdAt..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.ProducerEpochAt..], producerEpoch);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BaseSequenceAt..], -1);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.RecordCountAt..], 1);
        record[..r].CopyTo(span[RecordBatchHeader.Size..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatchHeader.CrcAt..], Crc32C.Compute(span[RecordBatchHeader.AttributesAt..]));
        return batch;
    }

    /// <summary>True for a commit marker, false for abort (anything unreadable counts as abort: the safe side).</summary>
    public static bool IsCommit(ReadOnlySpan<byte> batch)
    {
        if (batch.Length < RecordBatchHeader.Size + 8)
        {
            return false;
        }

        var pos = RecordBatchHeader.Size;
        if (!RecordVarInt.TryRead(batch, ref pos, out _) || pos >= batch.Length)
        {
            return false;
        }

        pos++; // attributes
        if (!RecordVarInt.TryReadLong(batch, ref pos, out _) || !RecordVarInt.TryRead(batch, ref pos, out _) ||
            !RecordVarInt.TryRead(batch, ref pos, out var keyLength) || keyLength < 4 || pos + 4 > batch.Length)
        {
            return false;
        }

        return BinaryPrimitives.ReadInt16BigEndian(batch[(pos + 2)..]) == 1;
    }

    private static int PutVarInt(Span<byte> span, int at, int value) => PutVarLong(span, at, value);

    private static int PutVarLong(Span<byte> span, int at, long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        while (zigzag >= 0x80)
        {
            span[at++] = (byte)(zigzag | 0x80);
            zigzag >>= 7;
        }

        span[at++] = (byte)zigzag;
        return at;
    }
}

/// <summary>Zig-zag varints inside records.</summary>
internal static class RecordVarInt
{
    public static bool TryReadLong(ReadOnlySpan<byte> span, ref int pos, out long value)
    {
        ulong raw = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            if (pos >= span.Length)
            {
                value = 0;
                return false;
            }

            var b = span[pos++];
            raw |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                value = (long)(raw >> 1) ^ -(long)(raw & 1);
                return true;
            }
        }

        value = 0;
        return false;
    }

    public static bool TryRead(ReadOnlySpan<byte> span, ref int pos, out int value)
    {
        var ok = TryReadLong(span, ref pos, out var wide);
        value = (int)wide;
        return ok && wide is >= int.MinValue and <= int.MaxValue;
    }
}
