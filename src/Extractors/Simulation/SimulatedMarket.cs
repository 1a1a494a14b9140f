using System.Text;
using CryptoStreams.Extractors.Chainlink;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Simulation;

/// <summary>
/// A seeded synthetic market as a pure generator: the same options, seed and start give the same records, so
/// tests and benchmarks compute reference results from exactly the ticks the pipeline saw.
/// <para>
/// Each asset's mid price is a random walk with a drift whose direction flips every trend (of random length
/// around <see cref="SimulationOptions.MeanTrendLength"/>), so short and long moving averages cross regularly.
/// Exchanges trade around the mid with a venue bias, a spread and noise; price APIs quote it at an interval; the
/// oracle writes a round on a deviation or a heartbeat; exchanges sometimes disconnect (gap records) and
/// sometimes send corrupt frames (dead letters).
/// </para>
/// </summary>
public static class SimulatedMarket
{
    /// <summary>Simulation step: trades inside a step get random times within it.</summary>
    public static readonly TimeSpan Step = TimeSpan.FromMilliseconds(250);

    private const ulong OraclePhase = 6;

    private static readonly (string Source, string Quote, decimal Bias)[] Exchanges =
    [
        (Sources.Binance, "USDT", 0.0000m),
        (Sources.KuCoin, "USDT", 0.0002m),
        (Sources.Okx, "USDT", -0.0001m),
        (Sources.Coinbase, "USD", 0.0003m),
    ];

    private static readonly (string Source, TimeSpan Offset)[] PriceApis =
    [
        (Sources.CoinGecko, TimeSpan.FromSeconds(5)),
        (Sources.Coinpaprika, TimeSpan.FromSeconds(20)),
    ];

    /// <summary>The records of <paramref name="duration"/> simulated time from <paramref name="start"/> (null = forever), in time order.</summary>
    public static IEnumerable<SimulatedRecord> Generate(SimulationOptions options, DateTimeOffset start, TimeSpan? duration)
    {
        ArgumentNullException.ThrowIfNull(options);
        var market = new MarketState(options, start);
        var end = duration is { } d ? start + d : DateTimeOffset.MaxValue - Step;
        var batch = new List<SimulatedRecord>();
        for (var t = start; t < end; t += Step)
        {
            batch.Clear();
            market.Advance(t, batch);

            // Stable sort: records with equal times keep their generation order, so the output is deterministic.
            foreach (var record in batch.OrderBy(r => r.Time))
            {
                yield return record;
            }
        }
    }

    private sealed class MarketState
    {
        private readonly SimulationOptions _options;
        private readonly Random _random;
        private readonly AssetState[] _assets;
        private readonly VenueState[] _venues;
        private readonly DateTimeOffset[] _nextQuote;

        public MarketState(SimulationOptions options, DateTimeOffset start)
        {
            _options = options;
            _random = new Random(options.Seed);
            _assets = [.. options.EffectiveAssets().Select((a, i) => new AssetState(a.Asset.ToUpperInvariant(), a.StartPrice, FeedAddress(a.Asset, i)))];
            foreach (var asset in _assets)
            {
                asset.TrendSign = _random.Next(2) == 0 ? 1 : -1;
                asset.TrendEnd = start;
            }

            _venues = [.. Exchanges.Select(e => new VenueState(_assets.Length))];
            _nextQuote = [.. PriceApis.Select(p => start + p.Offset)];
        }

        public void Advance(DateTimeOffset t, List<SimulatedRecord> output)
        {
            var stepMinutes = Step.TotalMinutes;
            foreach (var asset in _assets)
            {
                if (t >= asset.TrendEnd)
                {
                    // Flip the trend so averages cross; its strength and length vary.
                    asset.TrendSign = -asset.TrendSign;
                    asset.Trend = asset.TrendSign * _options.TrendPercentPerMinute / 100 * (0.5 + _random.NextDouble());
                    asset.TrendEnd = t + _options.MeanTrendLength * (0.5 + _random.NextDouble());
                }

                var move = asset.Trend * stepMinutes + _options.VolatilityPercent / 100 * Math.Sqrt(stepMinutes) * Gaussian();
                asset.Mid *= 1m + (decimal)Math.Round(move, 12);
                Oracle(asset, t, output);
            }

            for (var v = 0; v < _venues.Length; v++)
            {
                Trades(v, t, output);
            }

            for (var p = 0; p < PriceApis.Length; p++)
            {
                if (t >= _nextQuote[p])
                {
                    foreach (var asset in _assets)
                    {
                        Quote(PriceApis[p].Source, asset, t, output);
                    }

                    _nextQuote[p] += _options.QuoteInterval;
                }
            }
        }

        private void Trades(int v, DateTimeOffset t, List<SimulatedRecord> output)
        {
            var (source, quote, bias) = Exchanges[v];
            var venue = _venues[v];
            if (venue.DownSince is { } since)
            {
                if (t < venue.DownUntil)
                {
                    return;
                }

                foreach (var asset in _assets)
                {
                    var gap = new Gap(source, asset.Name + "-" + quote, since, t, 0, GapCoverage.None, "simulated disconnect", t);
                    output.Add(new SimulatedRecord(t, Gap: gap));
                }

                venue.DownSince = null;
            }

            if (_random.NextDouble() < _options.DisconnectsPerHour * Step.TotalHours)
            {
                venue.DownSince = t;
                venue.DownUntil = t + TimeSpan.FromSeconds(1 + (_random.NextDouble() * (_options.MaxDisconnect.TotalSeconds - 1)));
                return;
            }

            var expected = _options.TradesPerSecond * Step.TotalSeconds;
            for (var a = 0; a < _assets.Length; a++)
            {
                var asset = _assets[a];
                var count = (int)Math.Floor(expected) + (_random.NextDouble() < expected - Math.Floor(expected) ? 1 : 0);
                for (var i = 0; i < count; i++)
                {
                    var time = t + TimeSpan.FromMilliseconds(Math.Floor(_random.NextDouble() * Step.TotalMilliseconds));
                    var side = _random.Next(2) == 0 ? TradeSide.Buy : TradeSide.Sell;
                    var spread = side == TradeSide.Buy ? 0.0001m : -0.0001m;
                    var noise = (decimal)Math.Round(Gaussian() * 0.00005, 10);
                    var price = Math.Round(asset.Mid * (1m + bias + spread + noise), asset.PriceDecimals);
                    var notional = 50 + (_random.NextDouble() * 4950);
                    var size = Math.Max(0.000001m, Math.Round((decimal)Math.Round(notional, 6) / asset.Mid, 6));
                    var tradeId = (++venue.TradeIds[a]).ToString(System.Globalization.CultureInfo.InvariantCulture);
                    var symbol = asset.Name + "-" + quote;
                    if (_random.NextDouble() < _options.BadPayloadRate)
                    {
                        // A frame cut off mid-number, as a flaky connection delivers it.
                        var frame = Encoding.UTF8.GetBytes($"{{\"s\":\"{symbol}\",\"t\":{tradeId},\"p\":\"{price}");
                        var letter = DeadLetters.ForFrame(source, "unparseable", "simulated corrupt frame: JSON ends mid-value", frame, time);
                        output.Add(new SimulatedRecord(time, DeadLetter: letter));
                        continue;
                    }

                    var receive = time + TimeSpan.FromMilliseconds(5 + _random.Next(40));
                    output.Add(new SimulatedRecord(time, Tick: new Tick(source, TickKind.Trade, symbol, price, size, side, tradeId, time, receive)));
                }
            }
        }

        private void Quote(string source, AssetState asset, DateTimeOffset t, List<SimulatedRecord> output)
        {
            var noise = (decimal)Math.Round(Gaussian() * 0.0002, 10);
            var price = Math.Round(asset.Mid * (1m + noise), asset.PriceDecimals + 2);
            var updatedAt = t - TimeSpan.FromSeconds(1 + _random.Next(30));
            output.Add(new SimulatedRecord(t, Tick: new Tick(source, TickKind.Quote, asset.Name + "-USD", price, 0m, TradeSide.Unknown, null, updatedAt, t)));
        }

        private void Oracle(AssetState asset, DateTimeOffset t, List<SimulatedRecord> output)
        {
            if (asset.OracleAnswer is { } last
                && Math.Abs(asset.Mid - last) / last * 100 < _options.OracleDeviationPercent
                && t - asset.OracleUpdatedAt < _options.OracleHeartbeat)
            {
                return;
            }

            asset.OracleRound++;
            var roundId = ((UInt128)OraclePhase << 64) | asset.OracleRound;
            var answer = Math.Round(asset.Mid, 8);
            asset.OracleAnswer = answer;
            asset.OracleUpdatedAt = t;
            var round = new OracleRound(Sources.Chainlink, asset.Name + "-USD", asset.FeedAddress, roundId, answer, 8, t, t, roundId, t);
            output.Add(new SimulatedRecord(t, OracleRound: round));
        }

        private double Gaussian()
        {
            // Box–Muller; 1 - NextDouble() is in (0, 1], so the logarithm is finite.
            var u1 = 1.0 - _random.NextDouble();
            var u2 = _random.NextDouble();
            return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }

        private static string FeedAddress(string asset, int index) =>
            ChainlinkOptions.MainnetFeeds.FirstOrDefault(f => string.Equals(CanonicalSymbol.AssetOf(f.Symbol), asset, StringComparison.OrdinalIgnoreCase))?.Address
            ?? "0x" + (index + 1).ToString("x40", System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed class AssetState(string name, decimal startPrice, string feedAddress)
    {
        public string Name { get; } = name;

        public string FeedAddress { get; } = feedAddress;

        public decimal Mid { get; set; } = startPrice;

        public int PriceDecimals { get; } = startPrice >= 1000 ? 2 : startPrice >= 10 ? 3 : 4;

        public int TrendSign { get; set; }

        public double Trend { get; set; }

        public DateTimeOffset TrendEnd { get; set; }

        public decimal? OracleAnswer { get; set; }

        public DateTimeOffset OracleUpdatedAt { get; set; }

        public ulong OracleRound { get; set; }
    }

    private sealed class VenueState(int assets)
    {
        public long[] TradeIds { get; } = new long[assets];

        public DateTimeOffset? DownSince { get; set; }

        public DateTimeOffset DownUntil { get; set; }
    }
}
