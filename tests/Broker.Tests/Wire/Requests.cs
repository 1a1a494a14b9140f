using System.Buffers.Binary;
using System.Text;

namespace CryptoStreams.Broker.Tests.Wire;

/// <summary>Complete request frames (size prefix, header v1, body) for the APIs the raw-socket tests use.</summary>
public static class Requests
{
    public const short Produce = 0;
    public const short Fetch = 1;
    public const short ListOffsets = 2;
    public const short Metadata = 3;
    public const short ApiVersions = 18;
    public const short InitProducerId = 22;

    public static byte[] Frame(short apiKey, short apiVersion, int correlationId, Action<RequestWriter> body, string clientId = "raw-test")
    {
        var payload = new RequestWriter().Int16(apiKey).Int16(apiVersion).Int32(correlationId).String(clientId);
        body(payload);
        var bytes = payload.ToArray();
        return new RequestWriter().Int32(bytes.Length).Raw(bytes).ToArray();
    }

    /// <summary>A frame of a flexible version: request header v2 (client id, then an empty tagged-field section).</summary>
    public static byte[] FlexibleFrame(short apiKey, short apiVersion, int correlationId, Action<RequestWriter> body, string clientId = "raw-test")
    {
        var payload = new RequestWriter().Int16(apiKey).Int16(apiVersion).Int32(correlationId).String(clientId).NoTags();
        body(payload);
        payload.NoTags();
        var bytes = payload.ToArray();
        return new RequestWriter().Int32(bytes.Length).Raw(bytes).ToArray();
    }

    public static byte[] ApiVersionsV0(int correlationId) => Frame(ApiVersions, 0, correlationId, _ => { });

    public static byte[] MetadataV1(int correlationId, IReadOnlyCollection<string>? topics) =>
        Frame(Metadata, 1, correlationId, w => w.Array(topics, (w2, t) => w2.String(t)));

    public static byte[] InitProducerIdV0(int correlationId) =>
        Frame(InitProducerId, 0, correlationId, w => w.String(null).Int32(60_000));

    public static byte[] ProduceV3(int correlationId, string topic, int partition, byte[] batch, short acks = -1) =>
        Frame(Produce, 3, correlationId, w => w
            .String(null)
            .Int16(acks)
            .Int32(30_000)
            .Array([topic], (wt, t) => wt.String(t).Array([partition], (wp, p) => wp.Int32(p).Bytes(batch))));

    public static byte[] FetchV4(int correlationId, string topic, int partition, long offset, int maxWaitMs = 10) =>
        Frame(Fetch, 4, correlationId, w => w
            .Int32(-1)
            .Int32(maxWaitMs)
            .Int32(1)
            .Int32(1 << 20)
            .Int8(0)
            .Array([topic], (wt, t) => wt.String(t).Array([partition], (wp, p) => wp.Int32(p).Int64(offset).Int32(1 << 20))));

    public static byte[] ListOffsetsV1(int correlationId, string topic, int partition, long timestamp) =>
        Frame(ListOffsets, 1, correlationId, w => w
            .Int32(-1)
            .Array([topic], (wt, t) => wt.String(t).Array([partition], (wp, p) => wp.Int32(p).Int64(timestamp))));

    /// <summary>A record batch v2 (magic 2, uncompressed) with a correct CRC-32C.</summary>
    public static byte[] RecordBatch(IReadOnlyList<string> values, long firstTimestamp, long producerId = -1, short producerEpoch = -1, int baseSequence = -1)
    {
        var records = new RequestWriter();
        for (var i = 0; i < values.Count; i++)
        {
            var value = Encoding.UTF8.GetBytes(values[i]);
            var record = new RequestWriter()
                .Int8(0)
                .VarInt(i)          // timestamp delta
                .VarInt(i)          // offset delta
                .VarInt(-1)         // null key
                .VarInt(value.Length)
                .Raw(value)
                .VarInt(0)          // no headers
                .ToArray();
            records.VarInt(record.Length).Raw(record);
        }

        // Everything the CRC covers: attributes to the end.
        var afterCrc = new RequestWriter()
            .Int16(0)
            .Int32(values.Count - 1)
            .Int64(firstTimestamp)
            .Int64(firstTimestamp + values.Count - 1)
            .Int64(producerId)
            .Int16(producerEpoch)
            .Int32(baseSequence)
            .Int32(values.Count)
            .Raw(records.ToArray())
            .ToArray();
        var crc = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32C(afterCrc));
        var afterLength = new RequestWriter().Int32(0).Int8(2).Raw(crc).Raw(afterCrc).ToArray();
        return new RequestWriter().Int64(0).Int32(afterLength.Length).Raw(afterLength).ToArray();
    }

    /// <summary>CRC-32C (Castagnoli), the checksum of record batch v2.</summary>
    private static uint Crc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }

        return ~crc;
    }
}
