using System.Globalization;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.TestSupport.Reference;

/// <summary>One raw record as it arrives at the topology, in arrival order.</summary>
public sealed record ReferenceInput(string Topic, string? Key, byte[] Payload);

/// <summary>The topology's settings as the reference understands them (it does not use the topology's option types).</summary>
public sealed record ReferenceParameters
{
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan MaxFutureSkew { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan MaxEventAge { get; init; } = TimeSpan.FromDays(1);

    public bool ProvisionalCandles { get; init; } = true;

    /// <summary>A candle's provisional update is emitted on its first tick and then on a tick at least this much event time after the last emitting one.</summary>
    public TimeSpan ProvisionalInterval { get; init; } = TimeSpan.Zero;

    /// <summary>False: exclude sources more than <see cref="ThresholdPercent"/> from the median; true: more than k·MAD.</summary>
    public bool MadRule { get; init; }

    public decimal ThresholdPercent { get; init; } = 2m;

    public decimal MadMultiplier { get; init; } = 3m;

    public IReadOnlyList<string> StablecoinsAsUsd { get; init; } = ["USDT", "USDC"];

    public bool Ema { get; init; }

    public int ShortLength { get; init; } = 5;

    public int LongLength { get; init; } = 20;
}

/// <summary>A dead letter as far as the reference can predict it (not the rejection time or the error text).</summary>
public sealed record ReferenceDeadLetter(string? Key, string Source, string Reason, string Topic, byte[] Payload)
{
    public bool Equals(ReferenceDeadLetter? other) =>
        other is not null && Key == other.Key && Source == other.Source && Reason == other.Reason && Topic == other.Topic
        && Payload.AsSpan().SequenceEqual(other.Payload);

    public override int GetHashCode() => HashCode.Combine(Key, Source, Reason, Topic);
}

/// <summary>Everything the topology should write, per topic, in order, keyed by asset.</summary>
public sealed record ReferenceResult(
    IReadOnlyList<KeyValuePair<string, Candle>> Prices,
    IReadOnlyList<KeyValuePair<string, Consensus>> Consensus,
    IReadOnlyList<KeyValuePair<string, Deviation>> Deviations,
    IReadOnlyList<KeyValuePair<string, CrossoverSignal>> Signals,
    IReadOnlyList<ReferenceDeadLetter> DeadLetters);

/// <summary>
/// An independent, deliberately naive model of the topology: it looks at the whole input at once with plain
/// LINQ — every window's candle is recomputed from all of its ticks, stream time is a prefix maximum, the
/// oracle as-of is a search over every round received so far — and says what the topology must emit and in
/// which order. Slow (quadratic) and simple on purpose; tests compare the real topology with it.
/// </summary>
public static class NaiveMarketReference
{
    private static readonly string[] Exchanges = ["binance", "kucoin", "okx", "coinbase"];
    private static readonly string[] Apis = ["coingecko", "coinpaprika", "coincap"];

    private sealed record Parsed(int Index, ReferenceInput Input, object? Value, ReferenceDeadLetter? Rejection, long? EventTicks);

    public static ReferenceResult Run(IReadOnlyList<ReferenceInput> inputs, ReferenceParameters p)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(p);
        var w = p.Window.Ticks;
        var g = p.Grace.Ticks;
        var parsed = inputs.Select((input, i) => Parse(i, input, p)).ToList();

        // Provisional updates per candle: its first tick, then a tick at least ProvisionalInterval after the last emitting one.
        var lastProvisional = new Dictionary<(string, string, long), long>();
        bool ProvisionalDue(Tick tick)
        {
            var key = (tick.Source, tick.Symbol, tick.EventTime.UtcTicks - (tick.EventTime.UtcTicks % w));
            if (p.ProvisionalInterval > TimeSpan.Zero && lastProvisional.TryGetValue(key, out var last) && tick.EventTime.UtcTicks < last + p.ProvisionalInterval.Ticks)
            {
                return false;
            }

            lastProvisional[key] = tick.EventTime.UtcTicks;
            return true;
        }

        // Stream time after each record: the maximum event time of every accepted tick so far (oracle rounds wait
        // for the windows; they do not close them).
        var streamAfter = new long[parsed.Count];
        var running = long.MinValue;
        foreach (var r in parsed)
        {
            if (r.Rejection is null && r.Value is Tick && r.EventTicks is { } t)
            {
                running = Math.Max(running, t);
            }

            streamAfter[r.Index] = running;
        }

        long StartOf(long ticks) => ticks - (ticks % w);
        bool ClosedAt(long windowStart, int index) => windowStart + w + g <= streamAfter[index];

        var lateSet = parsed.Where(r => r.Rejection is null && r.Value switch
        {
            Tick t => ClosedAt(StartOf(t.EventTime.UtcTicks), r.Index),
            Gap gap => ClosedAt(StartOf(gap.To.UtcTicks), r.Index),
            _ => false,
        }).Select(r => r.Index).ToHashSet();

        var ticks = parsed.Where(r => r.Rejection is null && r.Value is Tick && !lateSet.Contains(r.Index))
            .Select(r => (r.Index, Tick: (Tick)r.Value!)).ToList();
        var gaps = parsed.Where(r => r.Rejection is null && r.Value is Gap { Coverage: not GapCoverage.Full } && !lateSet.Contains(r.Index))
            .Select(r => (r.Index, Gap: (Gap)r.Value!)).ToList();
        var rounds = parsed.Where(r => r.Rejection is null && r.Value is OracleRound)
            .Select(r => (r.Index, Round: (OracleRound)r.Value!)).ToList();

        // Each window closes at the first record after which stream time reaches its end + grace.
        var windows = ticks.Select(t => (Asset: t.Tick.Asset, Start: StartOf(t.Tick.EventTime.UtcTicks))).Distinct().ToList();
        var closeIndex = windows.ToDictionary(
            x => x,
            x => Enumerable.Range(0, parsed.Count).Where(i => x.Start + w + g <= streamAfter[i]).Cast<int?>().FirstOrDefault());

        Candle CandleOf(string asset, long start, string source, string symbol, int upToIndex, bool final)
        {
            var its = ticks.Where(t => t.Index <= upToIndex && t.Tick.Asset == asset && t.Tick.Source == source && t.Tick.Symbol == symbol
                    && StartOf(t.Tick.EventTime.UtcTicks) == start)
                .OrderBy(t => t.Tick.EventTime.UtcTicks).ThenBy(t => t.Index).Select(t => t.Tick).ToList();
            var kind = its[0].Kind;
            var volume = its.Sum(t => t.Size);
            var vwap = kind == TickKind.Trade && volume > 0 ? its.Sum(t => t.Price * t.Size) / volume : its.Sum(t => t.Price) / its.Count;
            var partial = gaps.Any(x => x.Index <= upToIndex && x.Gap.Source == source && x.Gap.Symbol == symbol
                && x.Gap.From.UtcTicks < start + w && x.Gap.To.UtcTicks >= start && x.Gap.DetectedAt.UtcTicks < start + w + g);
            return new Candle(source, symbol, kind, Time(start), Time(start + w), its[0].Price, its.Max(t => t.Price), its.Min(t => t.Price),
                its[^1].Price, vwap, volume, its.Count, partial ? Coverage.Partial : Coverage.Complete, final);
        }

        var prices = new List<KeyValuePair<string, Candle>>();
        var consensus = new List<KeyValuePair<string, Consensus>>();
        var deviations = new List<KeyValuePair<string, Deviation>>();
        var signals = new List<KeyValuePair<string, CrossoverSignal>>();
        var deadLetters = new List<ReferenceDeadLetter>();
        var medians = new Dictionary<string, List<decimal>>(StringComparer.Ordinal);
        var sides = new Dictionary<string, int>(StringComparer.Ordinal);

        // Per record: its own effect (a dead letter or a provisional candle), then the windows it lets close, in
        // (window start, asset) order.
        foreach (var r in parsed)
        {
            if (r.Rejection is not null)
            {
                deadLetters.Add(r.Rejection);
            }
            else if (lateSet.Contains(r.Index))
            {
                var source = r.Value is Tick t ? t.Source : ((Gap)r.Value!).Source;
                deadLetters.Add(new ReferenceDeadLetter(r.Input.Key, source, "late", r.Input.Topic, r.Input.Payload));
            }
            else if (r.Value is Tick tick && p.ProvisionalCandles && ProvisionalDue(tick))
            {
                prices.Add(KeyValuePair.Create(tick.Asset, CandleOf(tick.Asset, StartOf(tick.EventTime.UtcTicks), tick.Source, tick.Symbol, r.Index, final: false)));
            }

            var closing = windows.Where(x => closeIndex[x] == r.Index).OrderBy(x => x.Start).ThenBy(x => x.Asset, StringComparer.Ordinal);
            foreach (var (asset, start) in closing)
            {
                var finals = ticks.Where(t => t.Tick.Asset == asset && StartOf(t.Tick.EventTime.UtcTicks) == start)
                    .Select(t => (t.Tick.Source, t.Tick.Symbol)).Distinct()
                    .OrderBy(x => x.Source, StringComparer.Ordinal).ThenBy(x => x.Symbol, StringComparer.Ordinal)
                    .Select(x => CandleOf(asset, start, x.Source, x.Symbol, r.Index, final: true)).ToList();
                prices.AddRange(finals.Select(c => KeyValuePair.Create(asset, c)));
                var c = ConsensusOf(asset, Time(start), Time(start + w), finals, p);
                consensus.Add(KeyValuePair.Create(asset, c));
                if (c.Median is not { } median)
                {
                    continue;
                }

                var inForce = rounds.Where(x => x.Index <= r.Index && x.Round.Asset == asset && x.Round.UpdatedAt <= c.WindowEnd)
                    .OrderBy(x => x.Round.UpdatedAt).ThenBy(x => x.Round.RoundId).Select(x => x.Round).LastOrDefault();
                if (inForce is not null)
                {
                    deviations.Add(KeyValuePair.Create(asset, new Deviation(
                        inForce.Symbol, c.WindowStart, c.WindowEnd, inForce.Source, inForce.RoundId, inForce.Answer, inForce.UpdatedAt,
                        (c.WindowEnd - inForce.UpdatedAt).TotalSeconds, median, (inForce.Answer - median) / median * 100m,
                        c.ApiMean, c.ApiMean is { } mean ? (inForce.Answer - mean) / mean * 100m : null)));
                }

                if (Crossover(asset, median, medians, sides, p) is { } direction)
                {
                    var closes = medians[asset];
                    signals.Add(KeyValuePair.Create(asset, new CrossoverSignal(
                        c.Symbol, direction, p.Ema ? MovingAverageKind.Ema : MovingAverageKind.Sma, p.ShortLength, p.LongLength,
                        Average(closes, p.ShortLength, p.Ema), Average(closes, p.LongLength, p.Ema), median, c.WindowStart, c.WindowEnd)));
                }
            }
        }

        return new ReferenceResult(prices, consensus, deviations, signals, deadLetters);
    }

    private static Consensus ConsensusOf(string asset, DateTimeOffset start, DateTimeOffset end, List<Candle> finals, ReferenceParameters p)
    {
        var accepted = new List<string> { "USD" };
        accepted.AddRange(p.StablecoinsAsUsd);
        var policy = p.StablecoinsAsUsd.Count == 0 ? "USD only" : string.Join(",", p.StablecoinsAsUsd.Select(s => s + "=USD"));
        string Quote(string symbol) => symbol[(symbol.IndexOf('-', StringComparison.Ordinal) + 1)..];

        var perSource = finals.GroupBy(c => c.Source).OrderBy(x => x.Key, StringComparer.Ordinal)
            .Select(x => (Source: x.Key, Best: x.Where(c => accepted.Contains(Quote(c.Symbol))).OrderBy(c => accepted.IndexOf(Quote(c.Symbol))).FirstOrDefault(),
                Any: x.OrderBy(c => c.Symbol, StringComparer.Ordinal).First()))
            .ToList();
        var excluded = perSource.Where(x => x.Best is null)
            .Select(x => new ExcludedSource(x.Source, x.Any.Close, $"no USD quote under policy {policy}: {x.Any.Symbol}")).ToList();
        var closes = perSource.Where(x => x.Best is not null).Select(x => (x.Source, x.Best!.Close)).ToList();
        var apis = closes.Where(x => Apis.Contains(x.Source)).ToList();

        var used = closes;
        if (closes.Count > 0)
        {
            var m0 = Median(closes.Select(x => x.Close).ToList());
            var mad = Median(closes.Select(x => Math.Abs(x.Close - m0)).ToList());
            bool Outlier(decimal close) => p.MadRule
                ? mad > 0 && Math.Abs(close - m0) > p.MadMultiplier * mad
                : Math.Abs(close - m0) / m0 * 100m > p.ThresholdPercent;
            var reason = p.MadRule
                ? $"outlier: more than {p.MadMultiplier.ToString(CultureInfo.InvariantCulture)} MAD ({mad.ToString(CultureInfo.InvariantCulture)}) from median {m0.ToString(CultureInfo.InvariantCulture)}"
                : $"outlier: more than {p.ThresholdPercent.ToString(CultureInfo.InvariantCulture)}% from median {m0.ToString(CultureInfo.InvariantCulture)}";
            if (!closes.All(x => Outlier(x.Close)))
            {
                excluded.AddRange(closes.Where(x => Outlier(x.Close)).Select(x => new ExcludedSource(x.Source, x.Close, reason)));
                used = closes.Where(x => !Outlier(x.Close)).ToList();
            }
        }

        return new Consensus(
            asset + "-USD", start, end,
            apis.Count == 0 ? null : apis.Sum(x => x.Close) / apis.Count,
            apis.Select(x => x.Source).ToList(),
            used.Count == 0 ? null : Median(used.Select(x => x.Close).ToList()),
            used.Select(x => x.Source).ToList(),
            excluded.OrderBy(x => x.Source, StringComparer.Ordinal).ToList(),
            policy,
            true);
    }

    private static CrossoverDirection? Crossover(string asset, decimal close, Dictionary<string, List<decimal>> medians, Dictionary<string, int> sides, ReferenceParameters p)
    {
        if (!medians.TryGetValue(asset, out var closes))
        {
            medians[asset] = closes = [];
        }

        closes.Add(close);
        if (closes.Count < p.LongLength)
        {
            return null;
        }

        var side = Average(closes, p.ShortLength, p.Ema).CompareTo(Average(closes, p.LongLength, p.Ema));
        if (side == 0)
        {
            return null;
        }

        var previous = sides.GetValueOrDefault(asset);
        sides[asset] = side;
        return previous == 0 || previous == side ? null : side > 0 ? CrossoverDirection.Golden : CrossoverDirection.Death;
    }

    /// <summary>SMA of the last n closes, or the EMA over all of them seeded with the SMA of the first n.</summary>
    private static decimal Average(List<decimal> closes, int n, bool ema)
    {
        if (!ema)
        {
            return closes.Skip(closes.Count - n).Sum() / n;
        }

        var alpha = 2m / (n + 1);
        var value = closes.Take(n).Sum() / n;
        foreach (var close in closes.Skip(n))
        {
            value = (alpha * close) + ((1 - alpha) * value);
        }

        return value;
    }

    private static decimal Median(List<decimal> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static Parsed Parse(int index, ReferenceInput input, ReferenceParameters p)
    {
        var topicSource = input.Topic.StartsWith("raw.", StringComparison.Ordinal) ? input.Topic[4..] : input.Topic;
        Parsed Reject(string reason, string? source = null) =>
            new(index, input, null, new ReferenceDeadLetter(input.Key, source ?? topicSource, reason, input.Topic, input.Payload), null);

        if (input.Payload.Length == 0)
        {
            return Reject("unparseable");
        }

        try
        {
            if (input.Topic == "raw.chainlink")
            {
                var round = RecordJson.Deserialize<OracleRound>(input.Payload);
                var reason =
                    round.Source != "chainlink" ? "source-mismatch"
                    : !Canonical(round.Symbol) ? "invalid-symbol"
                    : input.Key != round.Symbol.Split('-')[0] ? "key-mismatch"
                    : !round.Symbol.EndsWith("-USD", StringComparison.Ordinal) ? "oracle-quote-not-usd"
                    : round.Answer <= 0 ? "invalid-price"
                    : round.Answer > 10_000_000_000m ? "out-of-range"
                    : round.UpdatedAt > round.ReceiveTime + p.MaxFutureSkew ? "event-time-skew"
                    : null;
                return reason is null ? new Parsed(index, input, round, null, round.UpdatedAt.UtcTicks) : Reject(reason, "chainlink");
            }

            if (input.Topic == "raw.gaps")
            {
                var gap = RecordJson.Deserialize<Gap>(input.Payload);
                var reason =
                    !Canonical(gap.Symbol) ? "invalid-symbol"
                    : input.Key != gap.Symbol.Split('-')[0] ? "key-mismatch"
                    : gap.To < gap.From ? "invalid-range"
                    : null;
                return reason is null ? new Parsed(index, input, gap, null, null) : Reject(reason, "gaps");
            }

            if (!Exchanges.Contains(topicSource) && !Apis.Contains(topicSource))
            {
                return Reject("unknown-topic");
            }

            var tick = RecordJson.Deserialize<Tick>(input.Payload);
            var expectedKind = Apis.Contains(tick.Source) ? TickKind.Quote : TickKind.Trade;
            var why =
                tick.Source != topicSource ? "source-mismatch"
                : !Canonical(tick.Symbol) ? "invalid-symbol"
                : input.Key != tick.Symbol.Split('-')[0] ? "key-mismatch"
                : tick.Kind != expectedKind ? "kind-mismatch"
                : tick.Price <= 0 ? "invalid-price"
                : tick.Size < 0 ? "invalid-size"
                : tick.Price > 10_000_000_000m || tick.Size > 10_000_000_000_000m || tick.Price * tick.Size > 1_000_000_000_000_000m ? "out-of-range"
                : tick.EventTime > tick.ReceiveTime + p.MaxFutureSkew || tick.EventTime < tick.ReceiveTime - p.MaxEventAge ? "event-time-skew"
                : null;
            return why is null ? new Parsed(index, input, tick, null, tick.EventTime.UtcTicks) : Reject(why);
        }
        catch (FormatException)
        {
            return Reject("unparseable");
        }
    }

    private static bool Canonical(string symbol) =>
        CanonicalSymbol.TryParse(symbol, out var parsed) && parsed.ToString() == symbol;

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}
