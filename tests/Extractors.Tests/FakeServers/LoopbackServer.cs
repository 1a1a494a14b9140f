using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.FakeServers;

/// <summary>An HTTP request as the fake venue saw it.</summary>
public sealed record HttpRequestHead(string Method, string Target, IReadOnlyDictionary<string, string> Headers, byte[] Body)
{
    public string Path => Target.Split('?')[0];

    public string? Query(string name)
    {
        var query = Target.Contains('?', StringComparison.Ordinal) ? Target[(Target.IndexOf('?', StringComparison.Ordinal) + 1)..] : string.Empty;
        foreach (var pair in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var key = eq < 0 ? pair : pair[..eq];
            if (key == name)
            {
                return eq < 0 ? string.Empty : Uri.UnescapeDataString(pair[(eq + 1)..]);
            }
        }

        return null;
    }
}

/// <summary>What the fake venue answers to an HTTP request.</summary>
public sealed record HttpReply(int Status, string Body, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A real HTTP/1.1 + WebSocket (RFC 6455) server on 127.0.0.1, written over a raw socket so tests control what
/// real venues do and client libraries hide: ping frames with payloads, abrupt TCP drops, silence.
/// </summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly Func<HttpRequestHead, HttpReply> handleHttp;
    private readonly Func<ServerWebSocket, HttpRequestHead, CancellationToken, Task> handleWebSocket;
    private readonly Action<HttpRequestHead>? beforeUpgrade;
    private readonly CancellationTokenSource stop = new();
    private readonly ConcurrentBag<Task> connections = [];
    private readonly TcpListener listener;
    private readonly Task acceptLoop;

    /// <param name="handleHttp">Answers plain HTTP requests.</param>
    /// <param name="handleWebSocket">Runs one WebSocket connection.</param>
    /// <param name="beforeUpgrade">Runs before the 101 answer, i.e. before the client can act on the connection.</param>
    public LoopbackServer(
        Func<HttpRequestHead, HttpReply> handleHttp,
        Func<ServerWebSocket, HttpRequestHead, CancellationToken, Task> handleWebSocket,
        Action<HttpRequestHead>? beforeUpgrade = null)
    {
        this.handleHttp = handleHttp;
        this.handleWebSocket = handleWebSocket;
        this.beforeUpgrade = beforeUpgrade;
        listener = Listen();
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    public Uri HttpBase => new($"http://127.0.0.1:{Port}");

    public Uri WebSocketBase => new($"ws://127.0.0.1:{Port}");

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        await Task.WhenAll([acceptLoop, .. connections]).WaitAsync(TimeSpan.FromSeconds(10)).ContinueWith(_ => { }, TaskScheduler.Default);
        stop.Dispose();
    }

    private static TcpListener Listen()
    {
        for (var attempt = 0; ; attempt++)
        {
            var listener = new TcpListener(IPAddress.Loopback, FreePort.Next());
            try
            {
                listener.Start();
                return listener;
            }
            catch (SocketException) when (attempt < 5)
            {
                // Another process took the port between FreePort.Next() and Start(); pick another.
            }
        }
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            connections.Add(Task.Run(() => ServeAsync(client)));
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                var request = await ReadRequestAsync(stream, stop.Token);
                if (request is null)
                {
                    return;
                }

                if (request.Headers.TryGetValue("upgrade", out var upgrade) && upgrade.Equals("websocket", StringComparison.OrdinalIgnoreCase))
                {
                    beforeUpgrade?.Invoke(request);
#pragma warning disable CA5350 // RFC 6455 prescribes SHA-1 for the handshake; it protects nothing.
                    var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(request.Headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
                    var head = $"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n";
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(head), stop.Token);
                    using var socket = new ServerWebSocket(client, stream);
                    await handleWebSocket(socket, request, stop.Token);
                    return;
                }

                var reply = handleHttp(request);
                var body = Encoding.UTF8.GetBytes(reply.Body);
                var text = new StringBuilder();
                text.Append(CultureInfoInvariant($"HTTP/1.1 {reply.Status} {ReasonOf(reply.Status)}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n"));
                foreach (var (name, value) in reply.Headers ?? new Dictionary<string, string>())
                {
                    text.Append(name).Append(": ").Append(value).Append("\r\n");
                }

                text.Append("\r\n");
                await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), stop.Token);
                await stream.WriteAsync(body, stop.Token);
                await stream.FlushAsync(stop.Token);
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or SocketException or ObjectDisposedException)
            {
                // The client went away or the server is stopping.
            }
        }
    }

    private static string CultureInfoInvariant(FormattableString text) => FormattableString.Invariant(text);

    private static string ReasonOf(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        418 => "I'm a teapot",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    };

    private static async Task<HttpRequestHead?> ReadRequestAsync(NetworkStream stream, CancellationToken cancellationToken)
    {
        var buffer = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                return null;
            }

            buffer.Add(one[0]);
            var n = buffer.Count;
            if (n >= 4 && buffer[n - 4] == '\r' && buffer[n - 3] == '\n' && buffer[n - 2] == '\r' && buffer[n - 1] == '\n')
            {
                break;
            }
        }

        var lines = Encoding.ASCII.GetString([.. buffer]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }

        var body = Array.Empty<byte>();
        if (headers.TryGetValue("content-length", out var length) && int.Parse(length, System.Globalization.CultureInfo.InvariantCulture) is > 0 and var size)
        {
            body = new byte[size];
            await stream.ReadExactlyAsync(body, cancellationToken);
        }

        return new HttpRequestHead(requestLine[0], requestLine[1], headers, body);
    }
}

/// <summary>The server end of one WebSocket connection: frames by hand, so pings, pongs and drops are explicit.</summary>
public sealed class ServerWebSocket : IDisposable
{
    private const byte Text = 0x1;
    private const byte Close = 0x8;
    private const byte Ping = 0x9;
    private const byte Pong = 0xA;

    private readonly TcpClient client;
    private readonly NetworkStream stream;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private readonly ConcurrentQueue<byte[]> pongs = new();

    public ServerWebSocket(TcpClient client, NetworkStream stream)
    {
        this.client = client;
        this.stream = stream;
    }

    /// <summary>Payloads of the pong frames the client sent.</summary>
    public IReadOnlyCollection<byte[]> Pongs => pongs;

    public Task SendTextAsync(string text, CancellationToken cancellationToken) => SendAsync(Text, Encoding.UTF8.GetBytes(text), cancellationToken);

    public Task SendPingAsync(byte[] payload, CancellationToken cancellationToken) => SendAsync(Ping, payload, cancellationToken);

    public Task SendCloseAsync(CancellationToken cancellationToken) => SendAsync(Close, [0x03, 0xE8], cancellationToken);

    /// <summary>
    /// Cuts the TCP connection without a WebSocket close handshake, like a venue's load balancer dropping it. A FIN,
    /// not a reset: a reset would also discard frames the client has not read yet, and the test could not know
    /// which trades the client saw before the drop.
    /// </summary>
    public void Drop()
    {
        try
        {
            client.Client.Shutdown(SocketShutdown.Both);
            client.Client.Close();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>
    /// Reads the next text message from the client; answers client pings and records pongs on the way.
    /// Null when the client closed or the connection is gone.
    /// </summary>
    public async Task<string?> ReceiveTextAsync(CancellationToken cancellationToken)
    {
        var message = new List<byte>();
        try
        {
            while (true)
            {
                var head = new byte[2];
                await stream.ReadExactlyAsync(head, cancellationToken);
                var fin = (head[0] & 0x80) != 0;
                var opcode = (byte)(head[0] & 0x0F);
                var masked = (head[1] & 0x80) != 0;
                long length = head[1] & 0x7F;
                if (length == 126)
                {
                    var ext = new byte[2];
                    await stream.ReadExactlyAsync(ext, cancellationToken);
                    length = (ext[0] << 8) | ext[1];
                }
                else if (length == 127)
                {
                    var ext = new byte[8];
                    await stream.ReadExactlyAsync(ext, cancellationToken);
                    length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(ext);
                }

                var mask = new byte[4];
                if (masked)
                {
                    await stream.ReadExactlyAsync(mask, cancellationToken);
                }

                var payload = new byte[length];
                await stream.ReadExactlyAsync(payload, cancellationToken);
                if (masked)
                {
                    for (var i = 0; i < payload.Length; i++)
                    {
                        payload[i] ^= mask[i % 4];
                    }
                }

                switch (opcode)
                {
                    case Ping:
                        await SendAsync(Pong, payload, cancellationToken);
                        continue;
                    case Pong:
                        pongs.Enqueue(payload);
                        continue;
                    case Close:
                        return null;
                }

                message.AddRange(payload);
                if (fin)
                {
                    return Encoding.UTF8.GetString([.. message]);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            return null;
        }
    }

    public void Dispose() => sendLock.Dispose();

    private async Task SendAsync(byte opcode, byte[] payload, CancellationToken cancellationToken)
    {
        var header = new List<byte> { (byte)(0x80 | opcode) };
        if (payload.Length < 126)
        {
            header.Add((byte)payload.Length);
        }
        else if (payload.Length <= ushort.MaxValue)
        {
            header.Add(126);
            header.Add((byte)(payload.Length >> 8));
            header.Add((byte)payload.Length);
        }
        else
        {
            header.Add(127);
            var ext = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(ext, (ulong)payload.Length);
            header.AddRange(ext);
        }

        await sendLock.WaitAsync(cancellationToken);
        try
        {
            await stream.WriteAsync(header.ToArray(), cancellationToken);
            await stream.WriteAsync(payload, cancellationToken);
            await stream.FlushAsync(cancellationToken);
        }
        finally
        {
            sendLock.Release();
        }
    }
}
