using System.Buffers.Binary;

namespace CryptoStreams.Broker.Protocol;

/// <summary>
/// The fixed 61-byte header of a record batch (magic v2), read in place. The broker never re-encodes
/// records: batches are stored and served as the producer sent them, only the base offset is rewritten.
/// </summary>
internal readonly struct RecordBatchHeader
{
    public const int Size = 61;
    public const int BaseOffsetAt = 0;
    public const int LengthAt = 8;
    public const int LeaderEpochAt = 12;
    public const int MagicAt = 16;
    public const int CrcAt = 17;
    public const int AttributesAt = 21;
    public const int LastOffsetDeltaAt = 23;
    public const int BaseTimestampAt = 27;
    public const int MaxTimestampAt = 35;
    public const int ProducerIdAt = 43;
    public const int ProducerEpochAt = 51;
    public const int BaseSequenceAt = 53;
    public const int RecordCountAt = 57;

    /// <summary>Bytes of baseOffset + batchLength, which the batch length does not count.</summary>
    public const int LogOverhead = 12;

    public const short CompressionMask = 0x07;
    public const short TimestampTypeFlag = 0x08;
    public const short TransactionalFlag = 0x10;
    public const short ControlFlag = 0x20;

    public RecordBatchHeader(ReadOnlySpan<byte> bytes)
    {
        BaseOffset = BinaryPrimitives.ReadInt64BigEndian(bytes[BaseOffsetAt..]);
        BatchLength = BinaryPrimitives.ReadInt32BigEndian(bytes[LengthAt..]);
        Magic = (sbyte)bytes[MagicAt];
        Crc = BinaryPrimitives.ReadUInt32BigEndian(bytes[CrcAt..]);
        Attributes = BinaryPrimitives.ReadInt16BigEndian(bytes[AttributesAt..]);
        LastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(bytes[LastOffsetDeltaAt..]);
        BaseTimestamp = BinaryPrimitives.ReadInt64BigEndian(bytes[BaseTimestampAt..]);
        MaxTimestamp = BinaryPrimitives.ReadInt64BigEndian(bytes[MaxTimestampAt..]);
        ProducerId = BinaryPrimitives.ReadInt64BigEndian(bytes[ProducerIdAt..]);
        ProducerEpoch = BinaryPrimitives.ReadInt16BigEndian(bytes[ProducerEpochAt..]);
        BaseSequence = BinaryPrimitives.ReadInt32BigEndian(bytes[BaseSequenceAt..]);
        RecordCount = BinaryPrimitives.ReadInt32BigEndian(bytes[RecordCountAt..]);
    }

    public long BaseOffset { get; }
    public int BatchLength { get; }
    public sbyte Magic { get; }
    public uint Crc { get; }
    public short Attributes { get; }
    public int LastOffsetDelta { get; }
    public long BaseTimestamp { get; }
    public long MaxTimestamp { get; }
    public long ProducerId { get; }
    public short ProducerEpoch { get; }
    public int BaseSequence { get; }
    public int RecordCount { get; }

    /// <summary>Whole size on disk and on the wire, including offset and length fields.</summary>
    public int TotalSize => BatchLength + LogOverhead;

    public long LastOffset => BaseOffset + LastOffsetDelta;

    public bool IsTransactional => (Attributes & TransactionalFlag) != 0;

    public bool IsControl => (Attributes & ControlFlag) != 0;

    public int Compression => Attributes & CompressionMask;

    public bool HasProducerId => ProducerId >= 0;

    public int LastSequence => BaseSequence < 0 ? -1 : unchecked((int)(((long)BaseSequence + LastOffsetDelta) % ((long)int.MaxValue + 1)));

    /// <summary>CRC-32C over attributes .. end, as the producer computed it.</summary>
    public static bool HasValidCrc(ReadOnlySpan<byte> batch)
    {
        var stored = BinaryPrimitives.ReadUInt32BigEndian(batch[CrcAt..]);
        return Crc32C.Compute(batch[AttributesAt..]) == stored;
    }

    /// <summary>
    /// Checks that <paramref name="bytes"/> starts with a complete, well-formed v2 batch; returns its total size
    /// or an error. Used on produce and on recovery, so a torn or forged batch never enters a log.
    /// </summary>
    public static ErrorCode Validate(ReadOnlySpan<byte> bytes, out int totalSize)
    {
        totalSize = 0;
        if (bytes.Length < Size)
        {
            return ErrorCode.CorruptMessage;
        }

        var length = BinaryPrimitives.ReadInt32BigEndian(bytes[LengthAt..]);
        if (length < Size - LogOverhead || length > bytes.Length - LogOverhead)
        {
            return ErrorCode.CorruptMessage;
        }

        if ((sbyte)bytes[MagicAt] != 2)
        {
            return ErrorCode.UnsupportedForMessageFormat;
        }

        totalSize = length + LogOverhead;
        var batch = bytes[..totalSize];
        if (!HasValidCrc(batch))
        {
            return ErrorCode.CorruptMessage;
        }

        var lastOffsetDelta = BinaryPrimitives.ReadInt32BigEndian(batch[LastOffsetDeltaAt..]);
        var count = BinaryPrimitives.ReadInt32BigEndian(batch[RecordCountAt..]);
        if (lastOffsetDelta < 0 || count < 0 || (count > 0 && lastOffsetDelta < count - 1))
        {
            return ErrorCode.InvalidRecord;
        }

        return ErrorCode.None;
    }
}
