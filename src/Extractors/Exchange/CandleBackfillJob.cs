using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Hourly (configurable) candle backfill: for every symbol the venue carries and lists as trading, fetches the last
/// <c>Extractors:CandleBackfillCandles</c> finished 1-minute candles from the venue's REST API and publishes the ones
/// not published before to <c>raw.candles</c>: the venue's own record of each minute, independent of whether the
/// stream was connected. An answer that cannot be read is dead-lettered; a failing symbol does not stop the others.
/// </summary>
public sealed class CandleBackfillJob : VenueRestJob
{
    private readonly int count;
    private readonly CandleLedger published = new();

    /// <param name="api">The venue's requests and readers.</param>
    /// <param name="options">The venue's REST settings.</param>
    /// <param name="context">Shared plumbing.</param>
    /// <param name="instruments">Symbols the venue does not trade are skipped.</param>
    /// <param name="symbols">The symbols the venue carries now.</param>
    /// <param name="count">Candles per symbol per run.</param>
    public CandleBackfillJob(IVenueReferenceApi api, ExchangeOptions options, ExchangeJobContext context, VenueInstruments instruments, StreamedSymbols symbols, int count)
        : base(api, options, context, instruments, symbols)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        this.count = count;
    }

    public override ScheduledJobKind Kind => ScheduledJobKind.CandleBackfill;

    public override async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var (trading, _) = Instruments.Split(Source, Symbols.Current());
        var failures = new List<string>();
        foreach (var symbol in trading)
        {
            var channel = FrameChannels.Candles(symbol);
            RestResponse response;
            try
            {
                response = await GetAsync(Api.CandlesPath(symbol, count, Time.GetUtcNow()), channel, cancellationToken).ConfigureAwait(false);
            }
            catch (RestCallException ex)
            {
                Logger.CandleBackfillFailed(Source, symbol, ex.Message);
                failures.Add($"{symbol}: {ex.Message}");
                continue;
            }

            var outcome = await published.PublishAsync(Api, symbol, response.Body, response.ReceivedAt, sink, cancellationToken).ConfigureAwait(false);
            if (outcome.Rejected is { } why)
            {
                Logger.CandleBackfillFailed(Source, symbol, why);
                failures.Add($"{symbol}: {why}");
            }
            else if (outcome.Published > 0)
            {
                Logger.CandlesPublished(Source, symbol, outcome.Published, outcome.From, outcome.To);
            }
        }

        if (failures.Count > 0)
        {
            throw new RestCallException("candle backfill incomplete: " + string.Join("; ", failures));
        }
    }
}

/// <summary>
/// What a candles answer yields: the finished candles newer than the last one published per symbol, oldest first,
/// or a dead letter when the answer cannot be read. One instance per job (live) or per replay, so repeated and
/// overlapping answers publish each minute once.
/// </summary>
public sealed class CandleLedger
{
    private readonly Dictionary<string, DateTimeOffset> lastPublished = new(StringComparer.Ordinal);

    public async Task<(int Published, DateTimeOffset From, DateTimeOffset To, string? Rejected)> PublishAsync(
        IVenueReferenceApi api, string symbol, byte[] body, DateTimeOffset receivedAt, IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(sink);
        IReadOnlyList<Schema.Candle> candles;
        try
        {
            candles = api.ReadCandles(symbol, body, receivedAt);
        }
        catch (VenuePayloadException ex)
        {
            await sink.PublishDeadLetterAsync(DeadLetters.ForFrame(api.Source, ex.Reason, $"{symbol} candles: {ex.Message}", body, receivedAt), cancellationToken).ConfigureAwait(false);
            return (0, default, default, $"{ex.Reason}: {ex.Message}");
        }

        var after = lastPublished.TryGetValue(symbol, out var last) ? last : DateTimeOffset.MinValue;
        var fresh = candles.Where(c => c.WindowStart > after).DistinctBy(c => c.WindowStart).OrderBy(c => c.WindowStart).ToList();
        foreach (var candle in fresh)
        {
            await sink.PublishCandleAsync(candle, cancellationToken).ConfigureAwait(false);
            lastPublished[symbol] = candle.WindowStart;
        }

        return fresh.Count == 0 ? (0, default, default, null) : (fresh.Count, fresh[0].WindowStart, fresh[^1].WindowEnd, null);
    }
}

/// <summary>What the scheduled exchange jobs need from the host.</summary>
/// <param name="Http">Client for the venue's REST API.</param>
/// <param name="Recorder">Receives every answer (<c>--record</c>), under <c>job:</c> channels.</param>
/// <param name="Status">Rate-limit waits are counted on the venue's board entry.</param>
/// <param name="Time">Clock for timeouts, Retry-After and candle cut-offs.</param>
/// <param name="LoggerFactory">Logging.</param>
public sealed record ExchangeJobContext(HttpClient Http, IFrameRecorder Recorder, ExchangeStatusBoard Status, TimeProvider Time, ILoggerFactory LoggerFactory)
{
    internal RestGateway Gateway(string source, ExchangeOptions options, ILogger logger) =>
        new(Http, options, Recorder, source, Time, logger, Status.For(source).RateLimited);
}
