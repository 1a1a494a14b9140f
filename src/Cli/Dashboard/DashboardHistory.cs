using CryptoStreams.Schema;
using CryptoStreams.Topology;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>One source's close in one window (the thin per-source lines).</summary>
internal sealed record SourceClose(long Time, decimal Close, bool Final);

/// <summary>The candle chart of one asset over a range.</summary>
internal sealed record CandleHistory(
    string Asset, string Symbol, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ConsensusCandle> Candles,
    IReadOnlyDictionary<string, IReadOnlyList<SourceClose>> Sources, IReadOnlyList<AveragePoint> Averages, int ShortLength, int LongLength, HistorySource History);

/// <summary>The oracle against the consensus at one window end.</summary>
internal sealed record DeviationPoint(
    long Time, DateTimeOffset WindowEnd, decimal OraclePrice, decimal ConsensusPrice, decimal DeviationPercent, double StalenessSeconds,
    bool Stale, string RoundId, DateTimeOffset OracleUpdatedAt, decimal? ApiMeanPrice, decimal? ApiDeviationPercent);

internal static class DeviationPoints
{
    public static DeviationPoint From(Deviation d, DashboardOptions options) =>
        new(d.WindowStart.ToUnixTimeSeconds(), d.WindowEnd, d.OraclePrice, d.ConsensusPrice, d.DeviationPercent, d.StalenessSeconds,
            d.StalenessSeconds > options.OracleHeartbeat.TotalSeconds, d.OracleRoundId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            d.OracleUpdatedAt, d.ApiMeanPrice, d.ApiDeviationPercent);
}

internal sealed record DeviationHistory(
    string Asset, string Symbol, DateTimeOffset From, DateTimeOffset To, decimal ThresholdPercent, double HeartbeatSeconds, IReadOnlyList<DeviationPoint> Points,
    HistorySource History);

/// <summary>One crossover, as a marker.</summary>
internal sealed record SignalPoint(long Time, DateTimeOffset WindowEnd, CrossoverDirection Direction, MovingAverageKind Average, int ShortLength, int LongLength, decimal ShortAverage, decimal LongAverage, decimal Close);

/// <summary>The newest values of one symbol, in large type at the top of the page.</summary>
internal sealed record LatestValues(string Asset, string Symbol, ConsensusCandle? Candle, DeviationPoint? Deviation);


/// <summary>Where a history answer came from: <c>database</c> (the loader's tables) or <c>topics</c> (read back from the transformed topics), and why when it is not the configured one.</summary>
internal sealed record HistorySource(string Name, string? Reason = null);

/// <summary>What the dashboard's history is read from: the loader's tables or the transformed topics, the same rows either way.</summary>
internal interface IHistoryStore
{
    /// <summary><c>database</c> or <c>topics</c>.</summary>
    string Name { get; }

    /// <summary>The newest window start of <paramref name="symbol"/> in <c>consensus.1m</c> or, with <paramref name="deviation"/>, <c>deviation.1m</c>.</summary>
    Task<DateTimeOffset?> NewestAsync(string symbol, bool deviation, CancellationToken cancellationToken);

    /// <summary>Every source's newest candle per window of <paramref name="asset"/> with a start in [from, to], by window, source, symbol.</summary>
    Task<IReadOnlyList<Candle>> SourceCandlesAsync(string asset, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>The consensus windows of <paramref name="symbol"/> with a start in [from, to], oldest first.</summary>
    Task<IReadOnlyList<Consensus>> ConsensusAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);

    /// <summary>The newest <paramref name="count"/> consensus windows with a median that start before <paramref name="before"/>, oldest first.</summary>
    Task<IReadOnlyList<Consensus>> ClosesBeforeAsync(string symbol, DateTimeOffset before, int count, CancellationToken cancellationToken);

    /// <summary>The deviations of <paramref name="symbol"/> with a start in [from, to], oldest first; without a range only the newest.</summary>
    Task<IReadOnlyList<DeviationPoint>> DeviationsAsync(string symbol, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken);

    /// <summary>The crossovers of <paramref name="symbol"/> with a start in [from, to], by window and average.</summary>
    Task<IReadOnlyList<SignalPoint>> SignalsAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken);
}

/// <summary>
/// The dashboard's history from one <see cref="IHistoryStore"/>. A range ends at the newest window of the asset (a
/// simulated market runs ahead of the wall clock), or now when there is none.
/// </summary>
internal sealed class DashboardHistory(IHistoryStore store, DashboardSettings settings, TimeProvider time)
{
    public HistorySource Source { get; } = new(store.Name);

    public async Task<CandleHistory> CandlesAsync(string asset, TimeSpan range, CancellationToken cancellationToken)
    {
        var symbol = StablecoinPolicy.ConsensusSymbol(asset);
        var to = await store.NewestAsync(symbol, deviation: false, cancellationToken).ConfigureAwait(false) ?? time.GetUtcNow();
        var from = to - range;
        var candles = await store.SourceCandlesAsync(asset, from, to + settings.Window, cancellationToken).ConfigureAwait(false);
        var consensus = await store.ConsensusAsync(symbol, from - (settings.Window * settings.NewAverageLines().WarmUp), to, cancellationToken).ConfigureAwait(false);

        var byWindow = candles.ToLookup(c => c.WindowStart);
        var result = new List<ConsensusCandle>();
        var averages = new List<AveragePoint>();
        var lines = settings.NewAverageLines();
        foreach (var c in consensus)
        {
            if (c.Median is { } median)
            {
                var point = lines.Add(symbol, median, c.WindowStart, c.WindowEnd);
                if (c.WindowStart >= from)
                {
                    averages.Add(point);
                }
            }

            if (c.WindowStart >= from && ConsensusCandles.From(byWindow[c.WindowStart], settings.Policy, c) is { } candle)
            {
                result.Add(candle);
            }
        }

        // Windows still open (provisional candles, no consensus yet) follow as provisional consensus candles.
        var lastFinal = consensus.Count == 0 ? DateTimeOffset.MinValue : consensus[^1].WindowStart;
        foreach (var open in byWindow.Where(w => w.Key > lastFinal).OrderBy(w => w.Key))
        {
            if (ConsensusCandles.From(open, settings.Policy, null) is { } candle)
            {
                result.Add(candle);
            }
        }

        var sources = ConsensusCandles.PerSource(candles, settings.Policy)
            .Select(c => c.Source)
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(
                s => s,
                s => (IReadOnlyList<SourceClose>)[.. byWindow.OrderBy(w => w.Key).SelectMany(w => ConsensusCandles.PerSource(w, settings.Policy).Where(c => c.Source == s))
                    .Select(c => new SourceClose(c.WindowStart.ToUnixTimeSeconds(), c.Close, c.Final))],
                StringComparer.Ordinal);
        return new CandleHistory(asset, symbol, from, to, result, sources, averages, settings.ShortLength, settings.LongLength, Source);
    }

    public async Task<DeviationHistory> DeviationAsync(string asset, TimeSpan range, CancellationToken cancellationToken)
    {
        var symbol = StablecoinPolicy.ConsensusSymbol(asset);
        var to = await store.NewestAsync(symbol, deviation: true, cancellationToken).ConfigureAwait(false) ?? time.GetUtcNow();
        var from = to - range;
        var points = await store.DeviationsAsync(symbol, from, to, cancellationToken).ConfigureAwait(false);
        return new DeviationHistory(asset, symbol, from, to, settings.Options.DeviationThresholdPercent, settings.Options.OracleHeartbeat.TotalSeconds, points, Source);
    }

    public async Task<IReadOnlyList<SignalPoint>> SignalsAsync(string asset, TimeSpan range, CancellationToken cancellationToken)
    {
        var symbol = StablecoinPolicy.ConsensusSymbol(asset);
        var to = await store.NewestAsync(symbol, deviation: false, cancellationToken).ConfigureAwait(false) ?? time.GetUtcNow();
        return await store.SignalsAsync(symbol, to - range, to, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The newest consensus candle and deviation of each asset.</summary>
    public async Task<IReadOnlyList<LatestValues>> LatestAsync(IEnumerable<string> assets, CancellationToken cancellationToken)
    {
        var latest = new List<LatestValues>();
        foreach (var asset in assets)
        {
            var history = await CandlesAsync(asset, settings.Window * 2, cancellationToken).ConfigureAwait(false);
            var symbol = StablecoinPolicy.ConsensusSymbol(asset);
            var deviations = await store.DeviationsAsync(symbol, null, null, cancellationToken).ConfigureAwait(false);
            latest.Add(new LatestValues(asset, symbol, history.Candles.LastOrDefault(c => c.Final), deviations.Count == 0 ? null : deviations[^1]));
        }

        return latest;
    }

    /// <summary>The newest final closes of <paramref name="symbol"/> before <paramref name="before"/>, oldest first (to warm up live averages).</summary>
    public Task<IReadOnlyList<Consensus>> ClosesBeforeAsync(string symbol, DateTimeOffset before, int count, CancellationToken cancellationToken) =>
        store.ClosesBeforeAsync(symbol, before, count, cancellationToken);
}
