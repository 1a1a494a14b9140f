using System.Collections.Concurrent;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Hosting;

/// <summary>How a source is doing, as the status view shows it.</summary>
public enum SourceState
{
    Starting,
    Running,
    Disconnected,
    Restarting,
    Unreachable,
    Off,
    Stopped,
}

/// <summary>One source's figures at one instant.</summary>
/// <param name="Source">Source name.</param>
/// <param name="State">Current state.</param>
/// <param name="Ticks">Ticks published since start.</param>
/// <param name="TicksPerSecond">Tick rate over the last rate window.</param>
/// <param name="LastTickAt">Receive time of the last tick (UTC), if any.</param>
/// <param name="OracleRounds">Oracle rounds published.</param>
/// <param name="Reconnects">Disconnects reported (each followed by a reconnect attempt).</param>
/// <param name="Restarts">Connector crashes followed by a restart.</param>
/// <param name="Gaps">Gap records published.</param>
/// <param name="DeadLetters">Payloads sent to the dead-letter topic.</param>
/// <param name="LastError">The last problem reported, if any.</param>
/// <param name="Candles">Venue candles published by the candle backfill.</param>
/// <param name="UnavailableSymbols">
/// Symbols this source should stream but its last instrument list does not offer for trading, each with why
/// (<c>LINK-USDT: halted (BREAK)</c>, <c>FOO-USDT: unknown</c>); the connector does not subscribe to them.
/// </param>
/// <param name="InstrumentsRefreshedAt">When the source's instrument list was last refreshed, if ever.</param>
public sealed record SourceStatus(
    string Source,
    SourceState State,
    long Ticks,
    double TicksPerSecond,
    DateTimeOffset? LastTickAt,
    long OracleRounds,
    long Reconnects,
    long Restarts,
    long Gaps,
    long DeadLetters,
    string? LastError,
    long Candles = 0,
    IReadOnlyList<string>? UnavailableSymbols = null,
    DateTimeOffset? InstrumentsRefreshedAt = null);

/// <summary>
/// The extractors' status for the status view and management API: a per-source snapshot of rates, counts and
/// state. Fed by the host (what reaches the sink, crashes) and by connectors (<see cref="ISourceHealth"/>).
/// </summary>
public sealed class ExtractorStatus : ISourceHealth
{
    private readonly ConcurrentDictionary<string, Counters> _sources = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly TimeSpan _rateWindow;
    private readonly ExtractorMetrics _metrics;
    private readonly ExchangeStatusBoard? _exchanges;

    /// <param name="time">Clock for rates.</param>
    /// <param name="options">Rate window.</param>
    /// <param name="metrics">Reconnect and restart counters.</param>
    /// <param name="exchanges">The exchange connectors' own board (sessions, reconnects), merged into the snapshot when registered.</param>
    public ExtractorStatus(TimeProvider time, IOptions<ExtractorsOptions> options, ExtractorMetrics metrics, ExchangeStatusBoard? exchanges = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _time = time;
        _metrics = metrics;
        _exchanges = exchanges;
        _rateWindow = options.Value.RateWindow;
    }

    /// <summary>Every source seen so far, ordered by name.</summary>
    public IReadOnlyList<SourceStatus> Snapshot()
    {
        var now = _time.GetUtcNow();
        return [.. _sources.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => WithExchange(p.Value.ToStatus(p.Key, now, _rateWindow)))];
    }

    public SourceStatus? Of(string source) =>
        _sources.TryGetValue(source, out var counters) ? WithExchange(counters.ToStatus(source, _time.GetUtcNow(), _rateWindow)) : null;

    /// <summary>Exchange connectors report sessions on their own board rather than through <see cref="ISourceHealth"/>.</summary>
    private SourceStatus WithExchange(SourceStatus status)
    {
        if (_exchanges?.Of(status.Source) is not { } exchange)
        {
            return status;
        }

        var state = status.State == SourceState.Running && !exchange.Connected ? SourceState.Disconnected : status.State;
        return status with
        {
            State = state,
            Reconnects = Math.Max(status.Reconnects, exchange.Reconnects),
            LastError = status.LastError ?? exchange.LastError,
            UnavailableSymbols = exchange.UnavailableSymbols,
            InstrumentsRefreshedAt = exchange.InstrumentsRefreshedAt,
        };
    }

    public void Connected(string source) => For(source).SetState(SourceState.Running, null);

    public void Disconnected(string source, string reason)
    {
        var counters = For(source);
        Interlocked.Increment(ref counters.Reconnects);
        _metrics.Reconnects.Add(1, new KeyValuePair<string, object?>("source", source));
        counters.SetState(SourceState.Disconnected, reason);
    }

    public void Unreachable(string source, string reason) => For(source).SetState(SourceState.Unreachable, reason);

    public void Off(string source, string reason) => For(source).SetState(SourceState.Off, reason);

    internal void Starting(string source) => For(source).SetState(SourceState.Starting, null);

    internal void Stopped(string source) => For(source).SetState(SourceState.Stopped, null);

    /// <summary>Marks every source that is not switched off as stopped (the host has shut down).</summary>
    internal void AllStopped()
    {
        foreach (var (source, counters) in _sources)
        {
            if (Of(source)?.State != SourceState.Off)
            {
                counters.SetState(SourceState.Stopped, null);
            }
        }
    }

    internal void Crashed(string source, string error, bool unreachable)
    {
        var counters = For(source);
        Interlocked.Increment(ref counters.Restarts);
        _metrics.Restarts.Add(1, new KeyValuePair<string, object?>("source", source));
        counters.SetState(unreachable ? SourceState.Unreachable : SourceState.Restarting, error);
    }

    internal void TickPublished(string source, DateTimeOffset receivedAt)
    {
        var counters = For(source);
        counters.AddTick(_time.GetUtcNow(), receivedAt);
        counters.MarkRunningIfStarting();
    }

    internal void OracleRoundPublished(string source) => Interlocked.Increment(ref For(source).OracleRounds);

    internal void GapPublished(string source) => Interlocked.Increment(ref For(source).Gaps);

    internal void CandlePublished(string source) => Interlocked.Increment(ref For(source).Candles);

    internal void DeadLetterPublished(string source) => Interlocked.Increment(ref For(source).DeadLetters);

    private Counters For(string source) => _sources.GetOrAdd(source, static _ => new Counters());

    private sealed class Counters
    {
        // One bucket per second over the last minute: enough for any rate window up to a minute.
        private const int Buckets = 64;

        private readonly Lock _gate = new();
        private readonly long[] _bucketCounts = new long[Buckets];
        private readonly long[] _bucketSeconds = new long[Buckets];
        private long _ticks;
        private DateTimeOffset? _lastTickAt;
        private SourceState _state = SourceState.Starting;
        private string? _lastError;

        public long OracleRounds;
        public long Reconnects;
        public long Restarts;
        public long Gaps;
        public long DeadLetters;
        public long Candles;

        public void SetState(SourceState state, string? error)
        {
            lock (_gate)
            {
                _state = state;
                if (error is not null)
                {
                    _lastError = error;
                }
            }
        }

        public void MarkRunningIfStarting()
        {
            lock (_gate)
            {
                if (_state is SourceState.Starting or SourceState.Restarting or SourceState.Disconnected)
                {
                    _state = SourceState.Running;
                }
            }
        }

        public void AddTick(DateTimeOffset now, DateTimeOffset receivedAt)
        {
            var second = now.ToUnixTimeSeconds();
            var slot = (int)(second % Buckets);
            lock (_gate)
            {
                _ticks++;
                _lastTickAt = _lastTickAt is { } last && last > receivedAt ? last : receivedAt;
                if (_bucketSeconds[slot] != second)
                {
                    _bucketSeconds[slot] = second;
                    _bucketCounts[slot] = 0;
                }

                _bucketCounts[slot]++;
            }
        }

        public SourceStatus ToStatus(string source, DateTimeOffset now, TimeSpan window)
        {
            lock (_gate)
            {
                // Whole seconds before the current (still filling) one.
                var seconds = Math.Clamp((int)window.TotalSeconds, 1, Buckets - 1);
                var current = now.ToUnixTimeSeconds();
                long sum = 0;
                for (var s = current - seconds; s < current; s++)
                {
                    var slot = (int)(((s % Buckets) + Buckets) % Buckets);
                    if (_bucketSeconds[slot] == s)
                    {
                        sum += _bucketCounts[slot];
                    }
                }

                return new SourceStatus(
                    source,
                    _state,
                    _ticks,
                    (double)sum / seconds,
                    _lastTickAt,
                    Interlocked.Read(ref OracleRounds),
                    Interlocked.Read(ref Reconnects),
                    Interlocked.Read(ref Restarts),
                    Interlocked.Read(ref Gaps),
                    Interlocked.Read(ref DeadLetters),
                    _lastError,
                    Interlocked.Read(ref Candles));
            }
        }
    }
}
