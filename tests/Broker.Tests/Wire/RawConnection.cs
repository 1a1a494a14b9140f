using System.Buffers.Binary;
using System.Net.Sockets;

// The writers and readers are named after the field types of Kafka's protocol guide (INT16, STRING…).
#pragma warning disable CA1720

namespace CryptoStreams.Broker.Tests.Wire;

/// <summary>A plain TCP connection speaking Kafka frames, without any client library in between.</summary>
public sealed class RawConnection : IDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawConnection(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawConnection> OpenAsync(string bootstrapServers)
    {
        var separator = bootstrapServers.LastIndexOf(':');
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(bootstrapServers[..separator], int.Parse(bootstrapServers[(separator + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        return new RawConnection(client);
    }

    public Task SendAsync(byte[] frame, CancellationToken cancellationToken = default) => _stream.WriteAsync(frame, cancellationToken).AsTask();

    /// <summary>Reads one response frame and returns it without the size prefix (starting with the correlation id).</summary>
    public async Task<ResponseReader> ReceiveAsync(CancellationToken cancellationToken = default)
    {
        var size = new byte[4];
        await _stream.ReadExactlyAsync(size, cancellationToken);
        var body = new byte[BinaryPrimitives.ReadInt32BigEndian(size)];
        await _stream.ReadExactlyAsync(body, cancellationToken);
        return new ResponseReader(body);
    }

    public void Dispose()
    {
        _stream.Dispose();
        _client.Dispose();
    }
}

/// <summary>Reads big-endian fields of a response in order.</summary>
public sealed class ResponseReader(byte[] body)
{
    private int _position;

    public short Int16() => BinaryPrimitives.ReadInt16BigEndian(Take(2));

    public int Int32() => BinaryPrimitives.ReadInt32BigEndian(Take(4));

    public long Int64() => BinaryPrimitives.ReadInt64BigEndian(Take(8));

    public string? String()
    {
        var length = Int16();
        return length < 0 ? null : System.Text.Encoding.UTF8.GetString(Take(length));
    }

    public sbyte Int8() => (sbyte)Take(1)[0];

    public bool Bool() => Take(1)[0] != 0;

    public uint UVarInt()
    {
        uint value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = Take(1)[0];
            value |= (uint)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    public string? CompactString()
    {
        var length = (int)UVarInt() - 1;
        return length < 0 ? null : System.Text.Encoding.UTF8.GetString(Take(length));
    }

    /// <summary>The items of a COMPACT_ARRAY (an empty list for null), each read by <paramref name="read"/>.</summary>
    public List<T> CompactArray<T>(Func<ResponseReader, T> read)
    {
        var count = (int)UVarInt() - 1;
        var items = new List<T>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            items.Add(read(this));
        }

        return items;
    }

    /// <summary>The items of a non-flexible ARRAY, each read by <paramref name="read"/>.</summary>
    public List<T> Array<T>(Func<ResponseReader, T> read)
    {
        var count = Int32();
        var items = new List<T>(Math.Max(count, 0));
        for (var i = 0; i < count; i++)
        {
            items.Add(read(this));
        }

        return items;
    }

    /// <summary>Skips a tagged-field section; the broker sends none, so any tag is a failure of the test.</summary>
    public void NoTags()
    {
        var count = UVarInt();
        if (count != 0)
        {
            throw new InvalidDataException($"expected no tagged fields, got {count}");
        }
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        var span = body.AsSpan(_position, count);
        _position += count;
        return span;
    }
}
