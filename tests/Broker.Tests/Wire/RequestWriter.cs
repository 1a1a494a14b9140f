using System.Buffers.Binary;
using System.Text;

// The writers and readers are named after the field types of Kafka's protocol guide (INT16, STRING…).
#pragma warning disable CA1720

namespace CryptoStreams.Broker.Tests.Wire;

/// <summary>
/// Builds Kafka request frames by hand (big-endian; non-flexible fields and the compact ones of flexible versions),
/// independent of the broker's own codec,
/// for raw-socket tests: valid seeds for the fuzzer and exact duplicate batches for idempotence.
/// </summary>
public sealed class RequestWriter
{
    private readonly List<byte> _bytes = [];

    public RequestWriter Int8(sbyte value)
    {
        _bytes.Add((byte)value);
        return this;
    }

    public RequestWriter Int16(short value) => Raw(BinaryPrimitives.WriteInt16BigEndian, value, 2);

    public RequestWriter Int32(int value) => Raw(BinaryPrimitives.WriteInt32BigEndian, value, 4);

    public RequestWriter Int64(long value) => Raw(BinaryPrimitives.WriteInt64BigEndian, value, 8);

    public RequestWriter String(string? value)
    {
        if (value is null)
        {
            return Int16(-1);
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        Int16((short)bytes.Length);
        _bytes.AddRange(bytes);
        return this;
    }

    public RequestWriter Bytes(byte[] value)
    {
        Int32(value.Length);
        _bytes.AddRange(value);
        return this;
    }

    public RequestWriter Array<T>(IReadOnlyCollection<T>? items, Action<RequestWriter, T> write)
    {
        if (items is null)
        {
            return Int32(-1);
        }

        Int32(items.Count);
        foreach (var item in items)
        {
            write(this, item);
        }

        return this;
    }

    public RequestWriter VarInt(long value)
    {
        // Zig-zag, then 7 bits per byte, low bits first.
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        while (zigzag >= 0x80)
        {
            _bytes.Add((byte)(zigzag | 0x80));
            zigzag >>= 7;
        }

        _bytes.Add((byte)zigzag);
        return this;
    }

    /// <summary>UNSIGNED_VARINT: 7 bits per byte, low bits first.</summary>
    public RequestWriter UVarInt(uint value)
    {
        while (value >= 0x80)
        {
            _bytes.Add((byte)(value | 0x80));
            value >>= 7;
        }

        _bytes.Add((byte)value);
        return this;
    }

    /// <summary>COMPACT_STRING / COMPACT_NULLABLE_STRING: length + 1 as an unsigned varint, 0 for null.</summary>
    public RequestWriter CompactString(string? value)
    {
        if (value is null)
        {
            return UVarInt(0);
        }

        var bytes = Encoding.UTF8.GetBytes(value);
        UVarInt((uint)bytes.Length + 1);
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>COMPACT_ARRAY: count + 1 as an unsigned varint, 0 for null.</summary>
    public RequestWriter CompactArray<T>(IReadOnlyCollection<T>? items, Action<RequestWriter, T> write)
    {
        if (items is null)
        {
            return UVarInt(0);
        }

        UVarInt((uint)items.Count + 1);
        foreach (var item in items)
        {
            write(this, item);
        }

        return this;
    }

    /// <summary>An empty tagged-field section, which every structure of a flexible version ends with.</summary>
    public RequestWriter NoTags() => UVarInt(0);

    public RequestWriter Raw(ReadOnlySpan<byte> bytes)
    {
        _bytes.AddRange(bytes.ToArray());
        return this;
    }

    public byte[] ToArray() => [.. _bytes];

    private RequestWriter Raw<T>(SpanAction<T> write, T value, int size)
    {
        Span<byte> buffer = stackalloc byte[size];
        write(buffer, value);
        _bytes.AddRange(buffer.ToArray());
        return this;
    }

    private delegate void SpanAction<in T>(Span<byte> buffer, T value);
}
