using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace CryptoStreams.Extractors.Tests.FakeServers;

/// <summary>One trade on the fake venue's tape.</summary>
public sealed record TapeTrade(long Id, decimal Price, decimal Size, bool TakerBuys, DateTimeOffset Time)
{
    public string PriceText => Price.ToString("0.00######", CultureInfo.InvariantCulture);

    public string SizeText => Size.ToString("0.00000000", CultureInfo.InvariantCulture);
}

/// <summary>How a session ends on the server side.</summary>
public enum SessionEnd
{
    /// <summary>Keep the connection open and keep answering.</summary>
    StayOpen,

    /// <summary>Cut the TCP connection without a close handshake.</summary>
    Drop,

    /// <summary>Say nothing more and answer nothing (a stalled socket).</summary>
    GoSilent,
}

/// <summary>What the fake venue does on one WebSocket connection (connections are numbered in order).</summary>
public sealed record SessionPlan
{
    /// <summary>First tape index streamed (trades before it "happened" while the client was away).</summary>
    public int From { get; init; }

    /// <summary>Tape index after the last trade streamed.</summary>
    public int To { get; init; }

    /// <summary>Frames sent verbatim after the subscribe acknowledgement, before any tape trade.</summary>
    public IReadOnlyList<string> FramesBefore { get; init; } = [];

    /// <summary>Frames sent verbatim after the tape trades.</summary>
    public IReadOnlyList<string> FramesAfter { get; init; } = [];

    public SessionEnd End { get; init; } = SessionEnd.StayOpen;

    /// <summary>Protocol ping frames (with distinct payloads) sent before streaming; pongs are recorded.</summary>
    public int PingFrames { get; init; }
}

/// <summary>
/// A venue's fake: a deterministic trade tape, a script of what each connection does, a REST history that serves
/// the trades that "happened" so far, and a record of what the client sent. Subclasses speak the venue's protocol.
/// </summary>
public abstract class FakeVenue : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> clientMessages = new();
    private readonly ConcurrentQueue<HttpRequestHead> webSocketRequests = new();
    private readonly ConcurrentQueue<(HttpRequestHead Request, int Status, TimeSpan At)> restRequests = new();
    private readonly ConcurrentQueue<ServerWebSocket> sockets = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly LoopbackServer server;
    private int connections;
    private int upgrades;
    private int horizon;
    private int rateLimited;

    protected FakeVenue(int tapeLength = 200)
    {
        Tape = [.. Enumerable.Range(0, tapeLength).Select(MakeTrade)];
        server = new LoopbackServer(HandleHttp, HandleWebSocketAsync, BeforeUpgrade);
    }

    public IReadOnlyList<TapeTrade> Tape { get; }

    /// <summary>Plans for connection 0, 1, 2, …; later connections stay open and stream nothing.</summary>
    public IList<SessionPlan> Plans { get; } = new List<SessionPlan>();

    public Uri HttpBase => server.HttpBase;

    public Uri WebSocketBase => server.WebSocketBase;

    public int Connections => Volatile.Read(ref connections);

    public IReadOnlyCollection<string> ClientMessages => clientMessages;

    public IReadOnlyCollection<HttpRequestHead> WebSocketRequests => webSocketRequests;

    public IReadOnlyCollection<(HttpRequestHead Request, int Status, TimeSpan At)> RestRequests => restRequests;

    public IReadOnlyCollection<ServerWebSocket> Sockets => sockets;

    /// <summary>Trades the venue's REST history knows: everything up to the furthest point any session reached.</summary>
    public int Horizon => Volatile.Read(ref horizon);

    /// <summary>The next N history requests get HTTP 429 with <see cref="RetryAfterSeconds"/>.</summary>
    public void RateLimitNextHistoryRequests(int count) => Volatile.Write(ref rateLimited, count);

    public int RetryAfterSeconds { get; set; } = 1;

    /// <summary>Recorded reference-data answers (instrument lists, candles) by request path; served before anything else.</summary>
    public ConcurrentDictionary<string, HttpReply> ReferenceAnswers { get; } = new(StringComparer.Ordinal);

    /// <summary>Trade ids a venue assigns; KuCoin's sequences are not contiguous, the others are.</summary>
    protected virtual long IdOf(int index) => 1_000_000 + index;

    public ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return server.DisposeAsync();
    }

    /// <summary>The canonical symbol the tape trades.</summary>
    public abstract string Symbol { get; }

    /// <summary>One tape trade as the venue's WebSocket message.</summary>
    public abstract string TradeFrame(TapeTrade trade);

    /// <summary>Sends what the venue sends on connect (KuCoin: welcome).</summary>
    protected virtual Task OnOpenAsync(ServerWebSocket socket, HttpRequestHead request, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Answers a client message; true when it was the subscription (streaming may start).</summary>
    protected abstract Task<bool> AnswerAsync(ServerWebSocket socket, string message, CancellationToken cancellationToken);

    /// <summary>Answers a REST request other than trade history, or null.</summary>
    protected virtual HttpReply? AnswerOtherRest(HttpRequestHead request) => null;

    /// <summary>Answers a trade history request from the trades up to the horizon, or null when not a history path.</summary>
    protected abstract HttpReply? AnswerHistory(HttpRequestHead request, IReadOnlyList<TapeTrade> happened);

    private TapeTrade MakeTrade(int index) => new(
        IdOf(index),
        94_000m + (index * 0.5m) + ((index % 7) * 0.01m),
        0.001m * ((index % 13) + 1),
        index % 3 != 0,
        new DateTimeOffset(2024, 11, 25, 12, 22, 0, TimeSpan.Zero).AddMilliseconds(index * 137));

    private SessionPlan PlanOf(int index) => index < Plans.Count ? Plans[index] : new SessionPlan();

    /// <summary>Trades before the plan's first one happened while the client was away: the history has them already.</summary>
    private void BeforeUpgrade(HttpRequestHead request) => Reach(PlanOf(Interlocked.Increment(ref upgrades) - 1).From);

    private HttpReply HandleHttp(HttpRequestHead request)
    {
        if (ReferenceAnswers.TryGetValue(request.Path, out var reference))
        {
            restRequests.Enqueue((request, reference.Status, clock.Elapsed));
            return reference;
        }

        var other = AnswerOtherRest(request);
        if (other is not null)
        {
            restRequests.Enqueue((request, other.Status, clock.Elapsed));
            return other;
        }

        if (Interlocked.Decrement(ref rateLimited) >= 0)
        {
            restRequests.Enqueue((request, 429, clock.Elapsed));
            return new HttpReply(429, "{\"code\":-1003,\"msg\":\"Too many requests.\"}", new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture) });
        }

        var reply = AnswerHistory(request, [.. Tape.Take(Horizon)]) ?? new HttpReply(404, "{\"message\":\"NotFound\"}");
        restRequests.Enqueue((request, reply.Status, clock.Elapsed));
        return reply;
    }

    private void Reach(int index)
    {
        int seen;
        do
        {
            seen = Volatile.Read(ref horizon);
            if (index <= seen)
            {
                return;
            }
        }
        while (Interlocked.CompareExchange(ref horizon, index, seen) != seen);
    }

    private async Task HandleWebSocketAsync(ServerWebSocket socket, HttpRequestHead request, CancellationToken cancellationToken)
    {
        var index = Interlocked.Increment(ref connections) - 1;
        webSocketRequests.Enqueue(request);
        sockets.Enqueue(socket);
        var plan = PlanOf(index);
        var silent = false;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reader = Task.Run(
            async () =>
            {
                while (await socket.ReceiveTextAsync(cancellationToken) is { } message)
                {
                    clientMessages.Enqueue(message);
                    if (Volatile.Read(ref silent))
                    {
                        continue;
                    }

                    if (await AnswerAsync(socket, message, cancellationToken))
                    {
                        subscribed.TrySetResult();
                    }
                }

                subscribed.TrySetCanceled(cancellationToken);
            },
            cancellationToken);

        try
        {
            await OnOpenAsync(socket, request, cancellationToken);
            await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);
            for (var p = 0; p < plan.PingFrames; p++)
            {
                await socket.SendPingAsync([(byte)'p', (byte)p], cancellationToken);
            }

            foreach (var frame in plan.FramesBefore)
            {
                await socket.SendTextAsync(frame, cancellationToken);
            }

            for (var i = plan.From; i < plan.To; i++)
            {
                Reach(i + 1);
                await socket.SendTextAsync(TradeFrame(Tape[i]), cancellationToken);
            }

            foreach (var frame in plan.FramesAfter)
            {
                await socket.SendTextAsync(frame, cancellationToken);
            }

            switch (plan.End)
            {
                case SessionEnd.Drop:
                    socket.Drop();
                    break;
                case SessionEnd.GoSilent:
                    Volatile.Write(ref silent, true);
                    await reader;
                    break;
                default:
                    await reader;
                    break;
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or TimeoutException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            // The client left or the test is over.
        }
        finally
        {
            socket.Drop();
            await reader.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>Trades strictly older than <paramref name="beforeId"/>, newest first (OKX and Coinbase paging).</summary>
    protected static List<TapeTrade> PageBackwards(IReadOnlyList<TapeTrade> happened, long? beforeId, int limit) =>
        [.. happened.Where(t => beforeId is null || t.Id < beforeId).OrderByDescending(t => t.Id).Take(limit)];
}
