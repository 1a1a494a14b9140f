using System.Buffers;
using System.Net.WebSockets;
using System.Text;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// One open WebSocket connection to a venue: whole-message receive into a reused buffer, serialised sends
/// (the watchdog's heartbeats and the connector's subscriptions share the socket), and the bookkeeping the
/// watchdog needs (when the last frame came, why the session must end).
/// </summary>
public sealed class ExchangeSession : IDisposable
{
    /// <summary>Messages beyond this are not market data; the connection is dropped rather than buffered.</summary>
    public const int MaxMessageBytes = 16 * 1024 * 1024;

    private readonly WebSocket socket;
    private readonly TimeProvider time;
    private readonly SemaphoreSlim sendLock = new(1, 1);
    private byte[] buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private long lastFrameTicks;
    private string? endReason;

    public ExchangeSession(WebSocket socket, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        this.socket = socket;
        this.time = time;
        OpenedAt = time.GetUtcNow();
        lastFrameTicks = OpenedAt.UtcTicks;
    }

    public DateTimeOffset OpenedAt { get; }

    public DateTimeOffset LastFrameAt => new(Interlocked.Read(ref lastFrameTicks), TimeSpan.Zero);

    /// <summary>Set when the session was ended on purpose (stall, planned reconnect); the reason is reported.</summary>
    public string? EndReason => Volatile.Read(ref endReason);

    /// <summary>True when the end is planned (lifetime, venue maintenance): reconnect at once, no back-off.</summary>
    public bool PlannedEnd { get; private set; }

    /// <summary>Subscriptions were sent; heartbeats may flow.</summary>
    public bool Subscribed { get; set; }

    public WebSocketState State => socket.State;

    /// <summary>
    /// Receives the next complete text or binary message. The bytes are valid until the next call; null when the
    /// venue closed the connection (the close status is then in <see cref="CloseDescription"/>).
    /// </summary>
    public async ValueTask<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length >= MaxMessageBytes)
                {
                    throw new WebSocketException(WebSocketError.Faulted, $"message larger than {MaxMessageBytes} bytes");
                }

                var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                buffer.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = larger;
            }

            var result = await socket.ReceiveAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                CloseDescription = $"{socket.CloseStatus} {socket.CloseStatusDescription}".Trim();
                return null;
            }

            length += result.Count;
            if (result.EndOfMessage)
            {
                Interlocked.Exchange(ref lastFrameTicks, time.GetUtcNow().UtcTicks);
                return buffer.AsMemory(0, length);
            }
        }
    }

    public string? CloseDescription { get; private set; }

    public async Task SendTextAsync(string text, CancellationToken cancellationToken)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        await sendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            sendLock.Release();
        }
    }

    /// <summary>Ends the session: the pending receive fails and the connector reconnects.</summary>
    public void End(string reason, bool planned)
    {
        if (Interlocked.CompareExchange(ref endReason, reason, null) is null)
        {
            PlannedEnd = planned;
        }

        socket.Abort();
    }

    public void Dispose()
    {
        socket.Dispose();
        sendLock.Dispose();
        ArrayPool<byte>.Shared.Return(buffer);
        buffer = [];
    }
}
