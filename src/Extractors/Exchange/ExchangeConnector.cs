using System.Net.WebSockets;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>What a connector needs from the host, bundled so venue constructors stay short.</summary>
/// <param name="Http">Client for the venue's REST API.</param>
/// <param name="Recorder">Receives every frame (<c>--record</c>).</param>
/// <param name="Status">Where the connector reports its state.</param>
/// <param name="Telemetry">Counters on the <c>CryptoStreams.Extractors</c> meter.</param>
/// <param name="Time">All timing (stall detection, heartbeats, back-off, Retry-After).</param>
/// <param name="LoggerFactory">Logging.</param>
/// <param name="Health">The host's health view (connected, disconnected, unreachable, off), when there is one.</param>
/// <param name="Tracked">The symbols tracked now; a change reconnects with the new subscriptions. Null = the configured symbols.</param>
/// <param name="Instruments">
/// The venues' instrument lists (scheduled refresh); symbols the venue does not list as trading are not subscribed,
/// and a refresh that changes that reconnects. Null = subscribe to every symbol.
/// </param>
public sealed record ExchangeConnectorContext(
    HttpClient Http,
    IFrameRecorder Recorder,
    ExchangeStatusBoard Status,
    ExchangeTelemetry Telemetry,
    TimeProvider Time,
    ILoggerFactory LoggerFactory,
    ISourceHealth? Health = null,
    TrackedSymbols? Tracked = null,
    VenueInstruments? Instruments = null);

/// <summary>Where to connect and how to keep the connection alive.</summary>
/// <param name="Uri">WebSocket address including any token.</param>
/// <param name="Heartbeat">Application-level pings the venue expects, or null.</param>
public sealed record SessionEndpoint(Uri Uri, HeartbeatPolicy? Heartbeat);

/// <summary>Application-level heartbeat: every <paramref name="Interval"/>, or only after that much silence.</summary>
public sealed record HeartbeatPolicy(TimeSpan Interval, bool OnlyWhenSilent);

/// <summary>What REST backfill recovered for one symbol after a disconnect.</summary>
/// <param name="Ticks">Recovered trades, oldest first (may overlap what was published; the ledger drops repeats).</param>
/// <param name="Coverage">Whether everything since the anchor was recovered.</param>
/// <param name="MissedFrom">Start of what is still missing (null when covered).</param>
/// <param name="MissedTo">End of what is still missing (null = up to the first live trade).</param>
/// <param name="Detail">How it went, for the gap record.</param>
public sealed record BackfillResult(IReadOnlyList<Tick> Ticks, GapCoverage Coverage, DateTimeOffset? MissedFrom, DateTimeOffset? MissedTo, string Detail)
{
    public static BackfillResult Covered(IReadOnlyList<Tick> ticks, string detail) => new(ticks, GapCoverage.Full, null, null, detail);
}

/// <summary>
/// The life of an exchange WebSocket connector: connect, subscribe, read frames until the socket dies, stalls or
/// must be renewed, reconnect with exponential back-off and jitter, and after every reconnect fill what was
/// missed from the venue's REST history. Live trades of a symbol that is being backfilled are held back and
/// published after the backfilled ones, so each symbol's trades go out in order and exactly once; whatever the
/// REST history cannot provide is published as a <see cref="Gap"/>. Venues supply only their protocol details.
/// </summary>
public abstract partial class ExchangeConnector : ISourceConnector
{
    private readonly ExchangeOptions options;
    private readonly IChannelFrameParser parser;
    private readonly ExchangeStatusBoard.SourceStatus status;
    private readonly ExchangeTelemetry telemetry;
    private readonly IFrameRecorder recorder;
    private readonly ISourceHealth health;
    private readonly TrackedSymbols? tracked;
    private readonly VenueInstruments? instruments;
    private readonly StreamedSymbols wanted;
    private IReadOnlyList<string> sessionSymbols;
    private IReadOnlyList<string> unavailable = [];
    private ExchangeSession? currentSession;
    private TaskCompletionSource trackedChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected ExchangeConnector(ExchangeOptions options, IChannelFrameParser parser, ExchangeConnectorContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(context);
        this.options = options;
        this.parser = parser;
        telemetry = context.Telemetry;
        health = context.Health ?? NoSourceHealth.Instance;
        recorder = context.Recorder;
        Time = context.Time;
        Logger = context.LoggerFactory.CreateLogger(GetType());
        status = context.Status.For(parser.Source);
        Rest = new RestGateway(context.Http, options, context.Recorder, parser.Source, Time, Logger, status.RateLimited);
        tracked = context.Tracked;
        instruments = context.Instruments;
        wanted = new StreamedSymbols(options, tracked);
        sessionSymbols = CurrentSymbols();
    }

    /// <summary>Failed sessions in a row after which the venue is reported unreachable (still retried).</summary>
    public const int UnreachableAfterFailures = 5;

    public string Source => parser.Source;

    /// <summary>Canonical symbols this connector streams in the current session.</summary>
    protected IReadOnlyList<string> Symbols => Volatile.Read(ref sessionSymbols);

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    protected RestGateway Rest { get; }

    protected IChannelFrameParser Parser => parser;

    public async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!options.Enabled)
        {
            Logger.SwitchedOff(Source);
            health.Off(Source, $"Extractors:{Source} is switched off (Enabled=false)");
            return;
        }

        if (tracked is not null)
        {
            tracked.Changed += OnTrackedChanged;
        }

        if (instruments is not null)
        {
            instruments.Refreshed += OnInstrumentsRefreshed;
        }

        try
        {
            await RunSessionsAsync(sink, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (tracked is not null)
            {
                tracked.Changed -= OnTrackedChanged;
            }

            if (instruments is not null)
            {
                instruments.Refreshed -= OnInstrumentsRefreshed;
            }
        }
    }

    /// <summary>
    /// The symbols to subscribe now: the tracked ones on this venue (<see cref="StreamedSymbols"/>) minus those the
    /// venue's last instrument list shows as halted or does not list; a change in those is logged once.
    /// </summary>
    private IReadOnlyList<string> CurrentSymbols()
    {
        var symbols = wanted.Current();
        if (instruments is null)
        {
            return symbols;
        }

        var (trading, left) = instruments.Split(Source, symbols);
        var before = Interlocked.Exchange(ref unavailable, left);
        if (!before.SequenceEqual(left, StringComparer.Ordinal))
        {
            foreach (var why in left.Except(before, StringComparer.Ordinal))
            {
                Logger.NotSubscribing(Source, why);
            }

            foreach (var back in before.Except(left, StringComparer.Ordinal))
            {
                Logger.AvailableAgain(Source, back);
            }
        }

        status.Instruments(left, instruments.RefreshedAt(Source));
        return trading;
    }

    private void OnInstrumentsRefreshed(object? sender, string source)
    {
        if (source == Source)
        {
            OnTrackedChanged(sender, EventArgs.Empty);
        }
    }

    private void OnTrackedChanged(object? sender, EventArgs e)
    {
        Interlocked.Exchange(ref trackedChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        EndSessionIfSymbolsChanged();
    }

    // Reconnecting is how every venue's protocol can take a new subscription list; it is planned, so immediate.
    private void EndSessionIfSymbolsChanged()
    {
        if (Volatile.Read(ref currentSession) is { } session && !CurrentSymbols().SequenceEqual(Symbols, StringComparer.Ordinal))
        {
            session.End("planned: tracked symbols changed", planned: true);
        }
    }

    private async Task RunSessionsAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        var run = new RunState(sink);

        // Failed sessions in a row; a session that delivered data starts the count over.
        var failures = 0;
        var sessions = new Backoff(options.ReconnectInitialDelay, options.ReconnectMaxDelay, Jitter: true).Retry<SessionOutcome>(
            Time,
            retry: outcome => outcome.Result is not null,
            onRetry: args =>
            {
                var end = args.Outcome.Result!;
                Logger.SessionEnded(Source, end.Reason, args.RetryDelay);
                if (failures >= UnreachableAfterFailures)
                {
                    health.Unreachable(Source, end.Reason);
                }
                else
                {
                    health.Disconnected(Source, end.Reason);
                }

                return default;
            },
            delay: outcome => outcome.Result is { Planned: true } ? TimeSpan.Zero : null,
            failuresInARow: () => failures);
        try
        {
            // Every session ends in the next one, until the stop.
            await sessions.ExecuteAsync(
                async token =>
                {
                    var end = await NextSessionAsync(run, token).ConfigureAwait(false);
                    run.LastDisconnect = end.Reason;
                    run.Reconnecting = true;
                    status.Reconnect(end.Planned ? null : end.Reason);
                    telemetry.Reconnect(Source);
                    failures = run.SessionDeliveredFrames ? 0 : failures;
                    failures += end.Planned ? 0 : 1;
                    return end;
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping, also while waiting to reconnect.
        }

        status.Connected(false);
    }

    /// <summary>Waits until some tracked symbol trades here, then runs one session to its end.</summary>
    private async Task<SessionOutcome> NextSessionAsync(RunState run, CancellationToken cancellationToken)
    {
        while (true)
        {
            var changed = Volatile.Read(ref trackedChanged).Task;
            var symbols = CurrentSymbols();
            Volatile.Write(ref sessionSymbols, symbols);
            if (symbols.Count > 0)
            {
                break;
            }

            health.Disconnected(Source, "none of the tracked symbols is trading on this venue");
            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            var (reason, planned) = await RunSessionAsync(run, cancellationToken).ConfigureAwait(false);
            return new SessionOutcome(reason, planned);
        }
        catch (Exception ex) when (IsConnectionFailure(ex) && !cancellationToken.IsCancellationRequested)
        {
            return new SessionOutcome($"{ex.GetType().Name}: {ex.Message}", Planned: false);
        }
    }

    /// <summary>Where to connect; KuCoin fetches a fresh token here.</summary>
    protected abstract ValueTask<SessionEndpoint> ResolveEndpointAsync(CancellationToken cancellationToken);

    /// <summary>Sends the subscriptions (and waits for whatever the venue requires first).</summary>
    protected abstract Task SubscribeAsync(ExchangeSession session, CancellationToken cancellationToken);

    /// <summary>Sends one application-level ping (only called when the endpoint has a heartbeat policy).</summary>
    protected virtual Task SendHeartbeatAsync(ExchangeSession session, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>True for a frame announcing that the venue will close the connection (reconnect now).</summary>
    protected virtual bool IsReconnectSignal(ReadOnlySpan<byte> frame) => false;

    /// <summary>Fetches the trades of <paramref name="symbol"/> after trade <paramref name="afterId"/> from REST.</summary>
    protected abstract Task<BackfillResult> BackfillAsync(string symbol, long afterId, DateTimeOffset afterTime, CancellationToken cancellationToken);

    /// <summary>Receives one frame during the handshake (e.g. KuCoin's welcome); it is recorded and parsed like any other.</summary>
    protected async Task<ReadOnlyMemory<byte>> ReceiveHandshakeFrameAsync(ExchangeSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var frame = await session.ReceiveAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new WebSocketException(WebSocketError.ConnectionClosedPrematurely, $"closed during the handshake: {session.CloseDescription}");
        var receivedAt = Time.GetUtcNow();
        recorder.Record(Source, FrameChannels.WebSocket, frame.Span, receivedAt);
        status.Frame(receivedAt);
        return frame;
    }

    /// <summary>State that outlives one session: what was published, and which symbols are being backfilled.</summary>
    private sealed class RunState(IRawSink sink)
    {
        public IRawSink Sink { get; } = sink;

        public TradeLedger Ledger { get; } = new();

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public Dictionary<string, List<Tick>> Held { get; } = new(StringComparer.Ordinal);

        public bool Reconnecting { get; set; }

        public bool SessionDeliveredFrames { get; set; }

        public string LastDisconnect { get; set; } = string.Empty;
    }
}

/// <summary>How a session ended: why, and whether the connector ended it on purpose (reconnect at once).</summary>
internal sealed record SessionOutcome(string Reason, bool Planned);
