using System.Buffers.Binary;
using System.IO.Compression;
using K4os.Compression.LZ4.Streams;
using Snappier;
using ZstdSharp;

namespace CryptoStreams.Broker.Protocol;

/// <summary>One record of a batch as far as the broker looks into it: where it sits and what it has.</summary>
internal readonly record struct RecordInfo(int Index, long TimestampDelta, int OffsetDelta, bool HasKey);

/// <summary>
/// Reads the records of a v2 batch, unpacking the codecs Kafka clients use (gzip, snappy raw or xerial-framed,
/// lz4 frame, zstd). The broker still stores and serves batches as sent; this is for the few checks that need the
/// records themselves (keys on compacted topics, a timestamp lookup inside a batch).
/// </summary>
internal static class BatchRecords
{
    private static ReadOnlySpan<byte> XerialMagic => [0x82, (byte)'S', (byte)'N', (byte)'A', (byte)'P', (byte)'P', (byte)'Y', 0];

    /// <summary>The batch's records section, decompressed; throws <see cref="InvalidDataException"/> when it cannot be.</summary>
    public static byte[] Unpack(ReadOnlySpan<byte> batch, int compression)
    {
        var payload = batch[RecordBatchHeader.Size..];
        return compression switch
        {
            0 => payload.ToArray(),
            1 => Gunzip(payload),
            2 => Unsnappy(payload),
            3 => Unlz4(payload),
            4 => new Decompressor().Unwrap(payload).ToArray(),
            _ => throw new InvalidDataException($"unknown compression codec {compression}"),
        };
    }

    /// <summary>Walks <paramref name="count"/> records of an unpacked records section; false when they are malformed.</summary>
    public static bool TryRead(ReadOnlySpan<byte> records, int count, List<RecordInfo> into)
    {
        var pos = 0;
        for (var i = 0; i < count; i++)
        {
            if (!RecordVarInt.TryRead(records, ref pos, out var length) || length < 0 || pos + length > records.Length)
            {
                return false;
            }

            var next = pos + length;
            pos++; // attributes
            if (!RecordVarInt.TryReadLong(records, ref pos, out var timestampDelta) ||
                !RecordVarInt.TryRead(records, ref pos, out var offsetDelta) ||
                !RecordVarInt.TryRead(records, ref pos, out var keyLength) || pos > next)
            {
                return false;
            }

            into.Add(new RecordInfo(i, timestampDelta, offsetDelta, keyLength >= 0));
            pos = next;
        }

        return true;
    }

    private static byte[] Gunzip(ReadOnlySpan<byte> payload)
    {
        using var input = new MemoryStream(payload.ToArray());
        using var gzip = new GZipStream(input, CompressionMode.Decompress);
        using var output = new MemoryStream();
        gzip.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Unlz4(ReadOnlySpan<byte> payload)
    {
        using var input = new MemoryStream(payload.ToArray());
        using var lz4 = LZ4Stream.Decode(input);
        using var output = new MemoryStream();
        lz4.CopyTo(output);
        return output.ToArray();
    }

    private static byte[] Unsnappy(ReadOnlySpan<byte> payload)
    {
        if (!payload.StartsWith(XerialMagic))
        {
            return Snappy.DecompressToArray(payload);
        }

        // Java clients frame snappy as xerial does: 16-byte header, then [int32 length][raw snappy block]...
        using var output = new MemoryStream();
        for (var pos = 16; pos + 4 <= payload.Length;)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(payload[pos..]);
            pos += 4;
            if (length < 0 || pos + length > payload.Length)
            {
                throw new InvalidDataException("truncated xerial snappy block");
            }

            output.Write(Snappy.DecompressToArray(payload.Slice(pos, length)));
            pos += length;
        }

        return output.ToArray();
    }
}
