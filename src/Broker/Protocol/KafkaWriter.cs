using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CryptoStreams.Broker.Protocol;

/// <summary>
/// Builds one response frame in a pooled buffer: Kafka wire primitives in big-endian, classic or compact
/// encodings chosen by the caller's <c>flexible</c> flag. Record data read from segment files is written
/// straight into the buffer through <see cref="GetSpan"/>/<see cref="Advance"/>.
/// </summary>
internal sealed class KafkaWriter : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _length;

    public KafkaWriter(int initialCapacity = 4096) => _buffer = ArrayPool<byte>.Shared.Rent(initialCapacity);

    public int Length => _length;

    public ReadOnlyMemory<byte> WrittenMemory => _buffer.AsMemory(0, _length);

    public Span<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    public void Advance(int count) => _length += count;

    /// <summary>Drops everything written after <paramref name="length"/> (a long-poll fetch rebuilding its body).</summary>
    public void Truncate(int length) => _length = Math.Min(_length, length);

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(Math.Max(sizeHint, 1));
        return _buffer.AsSpan(_length);
    }

    private void Ensure(int extra)
    {
        if (_length + extra <= _buffer.Length)
        {
            return;
        }

        var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + extra));
        _buffer.AsSpan(0, _length).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = bigger;
    }

    public void WriteInt8(sbyte value)
    {
        Ensure(1);
        _buffer[_length++] = (byte)value;
    }

    public void WriteBool(bool value) => WriteInt8(value ? (sbyte)1 : (sbyte)0);

    public void WriteInt16(short value)
    {
        Ensure(2);
        BinaryPrimitives.WriteInt16BigEndian(_buffer.AsSpan(_length), value);
        _length += 2;
    }

    public void WriteInt32(int value)
    {
        Ensure(4);
        BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(_length), value);
        _length += 4;
    }

    public void WriteInt64(long value)
    {
        Ensure(8);
        BinaryPrimitives.WriteInt64BigEndian(_buffer.AsSpan(_length), value);
        _length += 8;
    }

    public void WriteUuid(Guid value)
    {
        Ensure(16);
        value.TryWriteBytes(_buffer.AsSpan(_length), bigEndian: true, out _);
        _length += 16;
    }

    public void WriteUnsignedVarInt(uint value)
    {
        Ensure(5);
        while (value >= 0x80)
        {
            _buffer[_length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        _buffer[_length++] = (byte)value;
    }

    /// <summary>Zig-zag varint as used inside records.</summary>
    public void WriteVarInt(int value) => WriteUnsignedVarInt((uint)((value << 1) ^ (value >> 31)));

    public void WriteVarLong(long value)
    {
        var zigzag = (ulong)((value << 1) ^ (value >> 63));
        Ensure(10);
        while (zigzag >= 0x80)
        {
            _buffer[_length++] = (byte)(zigzag | 0x80);
            zigzag >>= 7;
        }

        _buffer[_length++] = (byte)zigzag;
    }

    public void WriteArrayLength(int count, bool flexible)
    {
        if (flexible)
        {
            WriteUnsignedVarInt((uint)(count + 1));
        }
        else
        {
            WriteInt32(count);
        }
    }

    public void WriteNullableString(string? value, bool flexible)
    {
        if (value is null)
        {
            if (flexible)
            {
                WriteUnsignedVarInt(0);
            }
            else
            {
                WriteInt16(-1);
            }

            return;
        }

        var byteCount = Encoding.UTF8.GetByteCount(value);
        if (flexible)
        {
            WriteUnsignedVarInt((uint)byteCount + 1);
        }
        else
        {
            WriteInt16((short)byteCount);
        }

        Ensure(byteCount);
        _length += Encoding.UTF8.GetBytes(value, _buffer.AsSpan(_length));
    }

    public void WriteString(string value, bool flexible) => WriteNullableString(value, flexible);

    public void WriteNullableBytes(ReadOnlySpan<byte> value, bool isNull, bool flexible)
    {
        if (isNull)
        {
            if (flexible)
            {
                WriteUnsignedVarInt(0);
            }
            else
            {
                WriteInt32(-1);
            }

            return;
        }

        WriteBytes(value, flexible);
    }

    public void WriteBytes(ReadOnlySpan<byte> value, bool flexible)
    {
        if (flexible)
        {
            WriteUnsignedVarInt((uint)value.Length + 1);
        }
        else
        {
            WriteInt32(value.Length);
        }

        WriteRaw(value);
    }

    public void WriteRaw(ReadOnlySpan<byte> value)
    {
        Ensure(value.Length);
        value.CopyTo(_buffer.AsSpan(_length));
        _length += value.Length;
    }

    /// <summary>An empty tagged-field section (flexible versions only).</summary>
    public void WriteEmptyTaggedFields(bool flexible)
    {
        if (flexible)
        {
            WriteUnsignedVarInt(0);
        }
    }

    /// <summary>Reserves an int32 to be filled in later with <see cref="PatchInt32"/>; returns its position.</summary>
    public int ReserveInt32()
    {
        Ensure(4);
        var at = _length;
        _length += 4;
        return at;
    }

    public void PatchInt32(int position, int value) => BinaryPrimitives.WriteInt32BigEndian(_buffer.AsSpan(position), value);

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
