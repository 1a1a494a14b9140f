using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace CryptoStreams.Loader.Writing;

/// <summary>
/// Rows in PostgreSQL's binary COPY format (https://www.postgresql.org/docs/current/sql-copy.html, "Binary Format"),
/// encoded straight into one reusable buffer. Npgsql's <c>NpgsqlBinaryImporter</c> resolves and binds a parameter per
/// value; at 14 values per candle that cost more client CPU than the server spent storing the rows, so the loader
/// writes the wire format itself and hands Npgsql whole buffers (<c>BeginRawBinaryCopy</c>).
/// </summary>
internal sealed class BinaryCopyRows
{
    private const uint TextOid = 25;

    // 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch.
    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    private static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private const int InitialSize = 64 * 1024;

    // Null: plain arrays for a long-lived buffer. Otherwise memory is rented and goes back with ReturnMemory, so the
    // rows of one batch after another reuse the same large arrays instead of each batch allocating (and the GC
    // collecting) its own on the large object heap.
    private readonly ArrayPool<byte>? pool;
    private byte[] buffer;
    private int length;

    public BinaryCopyRows()
        : this(pool: null)
    {
    }

    public BinaryCopyRows(ArrayPool<byte>? pool)
    {
        this.pool = pool;
        buffer = pool is null ? new byte[InitialSize] : [];
    }

    /// <summary>Bytes encoded and not yet taken.</summary>
    public ReadOnlyMemory<byte> Written => buffer.AsMemory(0, length);

    public int Length => length;

    /// <summary>The encoded bytes from <paramref name="start"/> for <paramref name="count"/> bytes.</summary>
    public ReadOnlySpan<byte> Slice(int start, int count) => buffer.AsSpan(start, count);

    /// <summary>Forgets what was written, keeping the memory.</summary>
    public void Clear() => length = 0;

    /// <summary>Forgets what was written and gives rented memory back to the pool (it is rented again when needed).</summary>
    public void ReturnMemory()
    {
        length = 0;
        if (pool is not null && buffer.Length > 0)
        {
            pool.Return(buffer);
            buffer = [];
        }
    }

    /// <summary>Forgets what was written after the first <paramref name="keep"/> bytes (an encoded row not kept).</summary>
    public void Truncate(int keep)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(keep, length);
        length = keep;
    }

    /// <summary>The signature, flags and header extension that open a binary COPY stream.</summary>
    public void WriteHeader() => Raw(Header);

    /// <summary>The field count of -1 that ends a binary COPY stream.</summary>
    public void WriteTrailer() => WriteInt16(-1);

    /// <summary>Bytes already in the COPY format (rows encoded elsewhere).</summary>
    public void Raw(ReadOnlySpan<byte> encoded) => encoded.CopyTo(Reserve(encoded.Length));

    public void StartRow(int fields) => WriteInt16((short)fields);

    public void Null() => WriteInt32(-1);

    public void Boolean(bool value)
    {
        WriteInt32(1);
        Reserve(1)[0] = value ? (byte)1 : (byte)0;
    }

    public void Integer(int value)
    {
        WriteInt32(4);
        WriteInt32(value);
    }

    public void Bigint(long value)
    {
        WriteInt32(8);
        BinaryPrimitives.WriteInt64BigEndian(Reserve(8), value);
    }

    public void Double(double value)
    {
        WriteInt32(8);
        BinaryPrimitives.WriteDoubleBigEndian(Reserve(8), value);
    }

    /// <summary>timestamptz: microseconds since 2000-01-01 UTC (times are already at microsecond resolution).</summary>
    public void Timestamp(DateTimeOffset value)
    {
        WriteInt32(8);
        BinaryPrimitives.WriteInt64BigEndian(Reserve(8), (value.UtcTicks - PostgresEpochTicks) / TimeSpan.TicksPerMicrosecond);
    }

    /// <summary>text as UTF-8 (the mapper has refused NULs and unpaired surrogates).</summary>
    public void Text(string value)
    {
        var count = Encoding.UTF8.GetByteCount(value);
        WriteInt32(count);
        Encoding.UTF8.GetBytes(value, Reserve(count));
    }

    /// <summary>text from bytes that are already valid UTF-8 without NULs (the caller has checked).</summary>
    public void Text(ReadOnlySpan<byte> utf8)
    {
        WriteInt32(utf8.Length);
        Raw(utf8);
    }

    /// <summary>jsonb: format version 1, then the JSON text.</summary>
    public void Jsonb(string json)
    {
        var count = Encoding.UTF8.GetByteCount(json);
        WriteInt32(count + 1);
        var span = Reserve(count + 1);
        span[0] = 1;
        Encoding.UTF8.GetBytes(json, span[1..]);
    }

    /// <summary>text[]: one dimension (none when empty), no nulls, element type text, lower bound 1.</summary>
    public void TextArray(IReadOnlyCollection<string> values)
    {
        var size = values.Count == 0 ? 12 : 20 + values.Sum(v => 4 + Encoding.UTF8.GetByteCount(v));
        WriteInt32(size);
        WriteInt32(values.Count == 0 ? 0 : 1);
        WriteInt32(0);
        WriteInt32(unchecked((int)TextOid));
        if (values.Count == 0)
        {
            return;
        }

        WriteInt32(values.Count);
        WriteInt32(1);
        foreach (var value in values)
        {
            Text(value);
        }
    }

    public void Numeric(decimal value)
    {
        Span<int> bits = stackalloc int[4];
        decimal.GetBits(value, bits);
        var mantissa = new UInt128((ulong)(uint)bits[2], ((ulong)(uint)bits[1] << 32) | (uint)bits[0]);
        var scale = (bits[3] >> 16) & 0xFF;
        Numeric(mantissa, scale, negative: bits[3] < 0);
    }

    public void Numeric(decimal? value)
    {
        if (value is { } v)
        {
            Numeric(v);
        }
        else
        {
            Null();
        }
    }

    /// <summary>
    /// numeric for <paramref name="mantissa"/> × 10^-<paramref name="scale"/>: base-10000 digits, most significant first,
    /// the weight (power of 10000) of the first, the sign, and the display scale (digits after the point, so
    /// 1.10 stays 1.10).
    /// </summary>
    public void Numeric(UInt128 mantissa, int scale, bool negative)
    {
        // Align the point on a base-10000 digit boundary: pad the scale to a multiple of 4. A decimal's mantissa is
        // below 2^96, so even × 1000 it fits in 128 bits; a UInt128 integer (scale 0) needs no padding.
        var pad = (4 - (scale % 4)) % 4;
        var fractionGroups = (scale + pad) / 4;
        Span<short> groups = stackalloc short[10]; // 2^128 < 10000^10; least significant first
        var count = 0;
        if (mantissa <= ulong.MaxValue / 1000)
        {
            // Most prices and sizes fit in 64 bits even padded, and 64-bit division by a constant is a multiplication.
            var small = (ulong)mantissa * (pad == 0 ? 1UL : pad == 1 ? 10UL : pad == 2 ? 100UL : 1000UL);
            while (small != 0)
            {
                (small, var digit) = Math.DivRem(small, 10_000UL);
                groups[count++] = (short)digit;
            }
        }
        else
        {
            for (var i = 0; i < pad; i++)
            {
                mantissa *= 10;
            }

            while (mantissa != UInt128.Zero)
            {
                (mantissa, var digit) = UInt128.DivRem(mantissa, 10_000);
                groups[count++] = (short)(ulong)digit;
            }
        }

        var weight = count - fractionGroups - 1;
        var lowest = 0;
        while (lowest < count && groups[lowest] == 0)
        {
            lowest++;
        }

        var digits = count - lowest;
        WriteInt32(8 + (2 * digits));
        WriteInt16((short)digits);
        WriteInt16((short)(digits == 0 ? 0 : weight));
        WriteInt16(negative && digits > 0 ? (short)0x4000 : (short)0);
        WriteInt16((short)scale);
        for (var i = count - 1; i >= lowest; i--)
        {
            WriteInt16(groups[i]);
        }
    }

    private void WriteInt16(short value) => BinaryPrimitives.WriteInt16BigEndian(Reserve(2), value);

    private void WriteInt32(int value) => BinaryPrimitives.WriteInt32BigEndian(Reserve(4), value);

    /// <summary>The next <paramref name="count"/> bytes of the buffer, counted as written.</summary>
    private Span<byte> Reserve(int count)
    {
        if (buffer.Length - length < count)
        {
            Grow(Math.Max(Math.Max(buffer.Length * 2, InitialSize), length + count));
        }

        var span = buffer.AsSpan(length, count);
        length += count;
        return span;
    }

    private void Grow(int size)
    {
        if (pool is null)
        {
            Array.Resize(ref buffer, size);
            return;
        }

        var larger = pool.Rent(size);
        buffer.AsSpan(0, length).CopyTo(larger);
        if (buffer.Length > 0)
        {
            pool.Return(buffer);
        }

        buffer = larger;
    }
}
