using System.Globalization;
using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// The market consensus of one asset over one window, from the final candles of every source:
/// (a) the classic metric, the mean of the REST price APIs' closes, and (b) a robust median over every
/// source's close with outliers excluded and named. Each source contributes one close: the candle whose
/// quote is most directly USD under the <see cref="StablecoinPolicy"/> (USD, then the stablecoins in order).
/// </summary>
public sealed class ConsensusCalculator
{
    private readonly StablecoinPolicy policy;
    private readonly OutlierRule rule;
    private readonly decimal thresholdPercent;
    private readonly decimal madMultiplier;

    public ConsensusCalculator(TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        policy = StablecoinPolicy.From(options);
        rule = options.OutlierRule;
        thresholdPercent = options.OutlierThresholdPercent;
        madMultiplier = options.OutlierMadMultiplier;
    }

    public StablecoinPolicy Policy => policy;

    public Consensus Compute(string asset, DateTimeOffset windowStart, DateTimeOffset windowEnd, IEnumerable<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(candles);
        var excluded = new List<ExcludedSource>();
        var closes = new List<(string Source, decimal Close)>();
        foreach (var bySource in candles.GroupBy(c => c.Source, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var usable = bySource
                .Select(c => (Candle: c, Rank: policy.Preference(StablecoinPolicy.QuoteOf(c.Symbol))))
                .Where(c => c.Rank is not null)
                .OrderBy(c => c.Rank)
                .FirstOrDefault();
            if (usable.Candle is null)
            {
                var first = bySource.OrderBy(c => c.Symbol, StringComparer.Ordinal).First();
                excluded.Add(new ExcludedSource(bySource.Key, first.Close, $"no USD quote under policy {policy.Description}: {first.Symbol}"));
                continue;
            }

            closes.Add((bySource.Key, usable.Candle.Close));
        }

        var apis = closes.Where(c => Sources.IsPriceApi(c.Source)).ToList();
        decimal? apiMean = apis.Count == 0 ? null : apis.Sum(a => a.Close) / apis.Count;

        var used = closes;
        if (closes.Count > 0)
        {
            var reference = Median(closes.Select(c => c.Close));
            var (isOutlier, reason) = OutlierTest(closes, reference);
            var outliers = closes.Where(c => isOutlier(c.Close)).ToList();

            // When every source would be an outlier there is no majority to trust: keep them all.
            if (outliers.Count < closes.Count)
            {
                used = closes.Where(c => !isOutlier(c.Close)).ToList();
                excluded.AddRange(outliers.Select(o => new ExcludedSource(o.Source, o.Close, reason)));
            }
        }

        decimal? median = used.Count == 0 ? null : Median(used.Select(c => c.Close));
        return new Consensus(
            StablecoinPolicy.ConsensusSymbol(asset),
            windowStart,
            windowEnd,
            apiMean,
            [.. apis.Select(a => a.Source)],
            median,
            [.. used.Select(u => u.Source)],
            [.. excluded.OrderBy(e => e.Source, StringComparer.Ordinal)],
            policy.Description,
            Final: true);
    }

    /// <summary>Median; for an even count the mean of the two middle values.</summary>
    public static decimal Median(IEnumerable<decimal> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
        {
            throw new ArgumentException("The median of no values is undefined.", nameof(values));
        }

        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private (Func<decimal, bool> IsOutlier, string Reason) OutlierTest(List<(string Source, decimal Close)> closes, decimal reference)
    {
        var at = reference.ToString(CultureInfo.InvariantCulture);
        if (rule == OutlierRule.Percent)
        {
            return (
                close => Math.Abs(close - reference) / reference * 100m > thresholdPercent,
                $"outlier: more than {thresholdPercent.ToString(CultureInfo.InvariantCulture)}% from median {at}");
        }

        var mad = Median(closes.Select(c => Math.Abs(c.Close - reference)));
        var limit = madMultiplier * mad;
        return (
            close => mad > 0 && Math.Abs(close - reference) > limit,
            $"outlier: more than {madMultiplier.ToString(CultureInfo.InvariantCulture)} MAD ({mad.ToString(CultureInfo.InvariantCulture)}) from median {at}");
    }
}
