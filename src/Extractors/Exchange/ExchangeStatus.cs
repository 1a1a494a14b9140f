using System.Collections.Concurrent;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>What the host shows for one exchange connector.</summary>
/// <param name="Source">Venue.</param>
/// <param name="Connected">A WebSocket session is open and subscribed.</param>
/// <param name="LastTickAt">Receive time of the last published trade.</param>
/// <param name="LastFrameAt">Receive time of the last frame of any kind.</param>
/// <param name="Ticks">Trades published (live and backfilled).</param>
/// <param name="Backfilled">Trades recovered through REST after reconnects.</param>
/// <param name="Reconnects">Sessions that ended and were re-opened.</param>
/// <param name="Gaps">Gap records published.</param>
/// <param name="DeadLetters">Frames sent to the dead-letter topic.</param>
/// <param name="Duplicates">Trades dropped because their id had been published already.</param>
/// <param name="RateLimitWaits">Times a REST call waited because the venue answered 429/418.</param>
/// <param name="LastError">Why the last session ended, if it failed.</param>
/// <param name="UnavailableSymbols">Symbols left out of the subscription because the venue's instrument list does not offer them for trading, with why.</param>
/// <param name="InstrumentsRefreshedAt">When the venue's instrument list was last loaded.</param>
public sealed record ExchangeConnectorStatus(
    string Source,
    bool Connected,
    DateTimeOffset? LastTickAt,
    DateTimeOffset? LastFrameAt,
    long Ticks,
    long Backfilled,
    long Reconnects,
    long Gaps,
    long DeadLetters,
    long Duplicates,
    long RateLimitWaits,
    string? LastError,
    IReadOnlyList<string>? UnavailableSymbols = null,
    DateTimeOffset? InstrumentsRefreshedAt = null);

/// <summary>Live counters of every exchange connector, read by the host's status view (a singleton).</summary>
public sealed class ExchangeStatusBoard
{
    private readonly ConcurrentDictionary<string, SourceStatus> sources = new(StringComparer.Ordinal);

    public IReadOnlyList<ExchangeConnectorStatus> Snapshot() =>
        [.. sources.Values.Select(s => s.Snapshot()).OrderBy(s => s.Source, StringComparer.Ordinal)];

    public ExchangeConnectorStatus? Of(string source) => sources.TryGetValue(source, out var status) ? status.Snapshot() : null;

    internal SourceStatus For(string source) => sources.GetOrAdd(source, s => new SourceStatus(s));

    /// <summary>Thread-safe counters of one source; written by its connector only.</summary>
    internal sealed class SourceStatus(string source)
    {
        private readonly Lock gate = new();
        private bool connected;
        private DateTimeOffset? lastTickAt;
        private DateTimeOffset? lastFrameAt;
        private long ticks;
        private long backfilled;
        private long reconnects;
        private long gaps;
        private long deadLetters;
        private long duplicates;
        private long rateLimitWaits;
        private string? lastError;
        private IReadOnlyList<string> unavailable = [];
        private DateTimeOffset? instrumentsRefreshedAt;

        public void Connected(bool value)
        {
            lock (gate)
            {
                connected = value;
            }
        }

        public void Frame(DateTimeOffset at)
        {
            lock (gate)
            {
                lastFrameAt = at;
            }
        }

        public void Tick(DateTimeOffset at, bool fromBackfill)
        {
            lock (gate)
            {
                ticks++;
                if (fromBackfill)
                {
                    backfilled++;
                }

                lastTickAt = at;
            }
        }

        public void Reconnect(string? error)
        {
            lock (gate)
            {
                reconnects++;
                connected = false;
                lastError = error;
            }
        }

        public void Instruments(IReadOnlyList<string> unavailableSymbols, DateTimeOffset? refreshedAt)
        {
            lock (gate)
            {
                unavailable = unavailableSymbols;
                instrumentsRefreshedAt = refreshedAt;
            }
        }

        public void Gap()
        {
            lock (gate)
            {
                gaps++;
            }
        }

        public void DeadLetter()
        {
            lock (gate)
            {
                deadLetters++;
            }
        }

        public void Duplicate()
        {
            lock (gate)
            {
                duplicates++;
            }
        }

        public void RateLimited()
        {
            lock (gate)
            {
                rateLimitWaits++;
            }
        }

        public ExchangeConnectorStatus Snapshot()
        {
            lock (gate)
            {
                return new ExchangeConnectorStatus(source, connected, lastTickAt, lastFrameAt, ticks, backfilled, reconnects, gaps, deadLetters, duplicates, rateLimitWaits, lastError, unavailable, instrumentsRefreshedAt);
            }
        }
    }
}
