using CryptoStreams.Schema;
using CryptoStreams.Topology;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>One 1-minute candle of the market consensus, as the dashboard draws it.</summary>
/// <param name="Time">Window start, Unix seconds (UTC).</param>
/// <param name="Final">False while the window is open (drawn hollow); the final candle replaces it.</param>
/// <param name="Sources">The sources whose candles it is made of.</param>
internal sealed record ConsensusCandle(long Time, decimal Open, decimal High, decimal Low, decimal Close, bool Final, IReadOnlyList<string> Sources);

/// <summary>
/// The consensus as a candle. <c>consensus.1m</c> carries one price per window (the median of the sources' closes); its
/// open, high and low are the medians of the same sources' opens, highs and lows, so the close is the consensus itself
/// and, as every source's high is at least its open and close, the medians keep high ≥ open, close ≥ low. Each source
/// contributes the candle of its most directly USD-quoted symbol, as the topology's <see cref="ConsensusCalculator"/> does.
/// </summary>
internal static class ConsensusCandles
{
    /// <param name="candles">Every source's candle of one asset and one window.</param>
    /// <param name="consensus">The window's final consensus, or null for a provisional candle from all sources seen so far.</param>
    public static ConsensusCandle? From(IEnumerable<Candle> candles, StablecoinPolicy policy, Consensus? consensus)
    {
        var chosen = PerSource(candles, policy)
            .Where(c => consensus is null || consensus.SourcesUsed.Contains(c.Source, StringComparer.Ordinal))
            .ToList();
        if (chosen.Count == 0 && consensus?.Median is null)
        {
            return null;
        }

        var close = consensus?.Median ?? ConsensusCalculator.Median(chosen.Select(c => c.Close));
        var open = chosen.Count == 0 ? close : ConsensusCalculator.Median(chosen.Select(c => c.Open));
        var high = chosen.Count == 0 ? close : ConsensusCalculator.Median(chosen.Select(c => c.High));
        var low = chosen.Count == 0 ? close : ConsensusCalculator.Median(chosen.Select(c => c.Low));
        var start = consensus?.WindowStart ?? chosen[0].WindowStart;
        return new ConsensusCandle(
            start.ToUnixTimeSeconds(),
            open,
            Math.Max(high, Math.Max(open, close)),
            Math.Min(low, Math.Min(open, close)),
            close,
            consensus is not null,
            [.. chosen.Select(c => c.Source)]);
    }

    /// <summary>Per source the candle whose quote is most directly USD under <paramref name="policy"/>; sources with none are left out.</summary>
    public static IEnumerable<Candle> PerSource(IEnumerable<Candle> candles, StablecoinPolicy policy) =>
        candles
            .Select(c => (Candle: c, Rank: policy.Preference(StablecoinPolicy.QuoteOf(c.Symbol))))
            .Where(c => c.Rank is not null)
            .GroupBy(c => c.Candle.Source, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.OrderBy(c => c.Rank).ThenBy(c => c.Candle.Symbol, StringComparer.Ordinal).First().Candle);
}

/// <summary>The short and long SMA and EMA after one window close; null until enough closes were seen.</summary>
internal sealed record AveragePoint(long Time, decimal? SmaShort, decimal? SmaLong, decimal? EmaShort, decimal? EmaLong);

/// <summary>
/// SMA and EMA lines over the consensus closes, computed by the topology's own <see cref="CrossoverDetector"/> with the
/// topology's lengths, so the lines cross where <c>signals.crossover</c> says they do.
/// </summary>
internal sealed class AverageLines(int shortLength, int longLength)
{
    private readonly CrossoverDetector sma = new(MovingAverageKind.Sma, shortLength, longLength);
    private readonly CrossoverDetector ema = new(MovingAverageKind.Ema, shortLength, longLength);

    /// <summary>How many closes before a range make its first points meaningful (the EMA still converges after that).</summary>
    public int WarmUp { get; } = 4 * longLength;

    public AveragePoint Add(string symbol, decimal close, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        sma.Add(symbol, close, windowStart, windowEnd);
        ema.Add(symbol, close, windowStart, windowEnd);
        return new AveragePoint(windowStart.ToUnixTimeSeconds(), sma.ShortAverage, sma.LongAverage, ema.ShortAverage, ema.LongAverage);
    }
}
