using System.Buffers.Binary;
using System.Text;

namespace CryptoStreams.Broker.Protocol;

/// <summary>
/// Reads the Kafka wire primitives (big-endian integers, varints, classic and compact strings/arrays,
/// tagged fields) from one request frame. Any read past the end throws <see cref="MalformedRequestException"/>,
/// so a truncated or garbage frame ends in an error for that connection, never in a wrong value.
/// </summary>
internal sealed class KafkaReader
{
    private readonly ReadOnlyMemory<byte> _frame;
    private int _position;

    public KafkaReader(ReadOnlyMemory<byte> frame) => _frame = frame;

    public int Position => _position;

    public int Remaining => _frame.Length - _position;

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new MalformedRequestException($"needs {count} bytes at {_position}, frame has {Remaining} left");
        }

        var span = _frame.Span.Slice(_position, count);
        _position += count;
        return span;
    }

    public sbyte ReadInt8() => (sbyte)Take(1)[0];

    public bool ReadBool() => Take(1)[0] != 0;

    public short ReadInt16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public int ReadInt32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long ReadInt64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public Guid ReadUuid()
    {
        var bytes = Take(16);
        return new Guid(bytes, bigEndian: true);
    }

    public uint ReadUnsignedVarInt()
    {
        uint value = 0;
        for (var shift = 0; shift < 35; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }

        throw new MalformedRequestException("varint longer than 5 bytes");
    }

    /// <summary>Length of a classic (int32) or compact (unsigned varint, +1) array; -1 for null.</summary>
    public int ReadArrayLength(bool flexible)
    {
        var length = flexible ? (int)ReadUnsignedVarInt() - 1 : ReadInt32();
        if (length < -1 || length > Remaining)
        {
            // Every element takes at least one byte, so a longer count is garbage.
            throw new MalformedRequestException($"array length {length} with {Remaining} bytes left");
        }

        return length;
    }

    public string? ReadNullableString(bool flexible)
    {
        var length = flexible ? (int)ReadUnsignedVarInt() - 1 : ReadInt16();
        if (length < 0)
        {
            return null;
        }

        return Encoding.UTF8.GetString(Take(length));
    }

    public string ReadString(bool flexible) =>
        ReadNullableString(flexible) ?? throw new MalformedRequestException("null where a string is required");

    public ReadOnlyMemory<byte>? ReadNullableBytes(bool flexible)
    {
        var length = flexible ? (int)ReadUnsignedVarInt() - 1 : ReadInt32();
        if (length < 0)
        {
            return null;
        }

        var start = _position;
        Take(length);
        return _frame.Slice(start, length);
    }

    public ReadOnlyMemory<byte> ReadBytes(bool flexible) => ReadNullableBytes(flexible) ?? ReadOnlyMemory<byte>.Empty;

    /// <summary>Skips the tagged-field section of a flexible structure; none of the tags we read matter to a single node.</summary>
    public void SkipTaggedFields(bool flexible)
    {
        if (!flexible)
        {
            return;
        }

        var count = ReadUnsignedVarInt();
        for (var i = 0; i < count; i++)
        {
            ReadUnsignedVarInt();
            var size = (int)ReadUnsignedVarInt();
            Take(size);
        }
    }

    /// <summary>Reads an array whose elements are parsed by <paramref name="element"/>; null arrays come back as null.</summary>
    public List<T>? ReadNullableArray<T>(bool flexible, Func<KafkaReader, T> element)
    {
        var count = ReadArrayLength(flexible);
        if (count < 0)
        {
            return null;
        }

        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            list.Add(element(this));
        }

        return list;
    }

    public List<T> ReadArray<T>(bool flexible, Func<KafkaReader, T> element) =>
        ReadNullableArray(flexible, element) ?? [];
}

/// <summary>A request frame that does not parse as the API and version it claims to be.</summary>
internal sealed class MalformedRequestException : Exception
{
    public MalformedRequestException(string message)
        : base(message)
    {
    }

    public MalformedRequestException()
    {
    }

    public MalformedRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
