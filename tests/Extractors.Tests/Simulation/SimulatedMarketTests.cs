using CryptoStreams.Extractors.Simulation;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Tests.Simulation;

public sealed class SimulatedMarketTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    private static List<SimulatedRecord> Run(SimulationOptions options, TimeSpan duration) =>
        [.. SimulatedMarket.Generate(options, Start, duration)];

    [Fact]
    public void The_same_seed_and_start_give_the_same_records()
    {
        var first = Run(new SimulationOptions { Seed = 7 }, TimeSpan.FromMinutes(20));
        var second = Run(new SimulationOptions { Seed = 7 }, TimeSpan.FromMinutes(20));
        var other = Run(new SimulationOptions { Seed = 8 }, TimeSpan.FromMinutes(20));

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
        Assert.NotEqual(first.Select(r => r.Tick?.Price), other.Select(r => r.Tick?.Price));
    }

    [Fact]
    public void Records_come_in_time_order_with_every_kind_present_at_the_configured_rates()
    {
        var options = new SimulationOptions { Seed = 11, TradesPerSecond = 2, DisconnectsPerHour = 4, BadPayloadRate = 0.01 };
        var records = Run(options, TimeSpan.FromHours(1));

        Assert.True(records.Zip(records.Skip(1)).All(p => p.First.Time <= p.Second.Time), "records are in time order");
        Assert.All(records, r => Assert.Equal(1, new object?[] { r.Tick, r.OracleRound, r.Gap, r.DeadLetter }.Count(x => x is not null)));

        var trades = records.Where(r => r.Tick?.Kind == TickKind.Trade).Select(r => r.Tick!).ToList();
        foreach (var venue in Sources.Exchanges)
        {
            // 2 trades/s for 3 assets over an hour, less disconnects (≤ ~4 × 45 s) and ~1 % corrupt frames.
            var count = trades.Count(t => t.Source == venue);
            Assert.InRange(count, 3 * 2 * 3600 * 0.9, 3 * 2 * 3600 * 1.05);
        }

        Assert.All(trades, t =>
        {
            Assert.True(t.Price > 0 && t.Size > 0);
            Assert.NotNull(t.TradeId);
            Assert.True(t.ReceiveTime >= t.EventTime);
            Assert.Equal(t.Source == Sources.Coinbase ? "USD" : "USDT", t.Symbol.Split('-')[1]);
        });

        // Trade ids are contiguous per venue and symbol, except for the ones lost to corrupt frames.
        var letters = records.Where(r => r.DeadLetter is not null).Select(r => r.DeadLetter!).ToList();
        Assert.InRange(letters.Count, trades.Count * 0.005, trades.Count * 0.02);
        Assert.All(letters, l => Assert.Equal("unparseable", l.Reason));

        var quotes = records.Where(r => r.Tick?.Kind == TickKind.Quote).Select(r => r.Tick!).ToList();
        Assert.Equal(60 * 3, quotes.Count(q => q.Source == Sources.CoinGecko));
        Assert.Equal(60 * 3, quotes.Count(q => q.Source == Sources.Coinpaprika));
        Assert.All(quotes, q => Assert.EndsWith("-USD", q.Symbol, StringComparison.Ordinal));

        var gaps = records.Where(r => r.Gap is not null).Select(r => r.Gap!).ToList();
        Assert.NotEmpty(gaps);
        Assert.All(gaps, g => Assert.True(g.To > g.From && g.To - g.From <= options.MaxDisconnect));
        foreach (var gap in gaps)
        {
            Assert.DoesNotContain(trades, t => t.Source == gap.Source && t.Symbol == gap.Symbol && t.EventTime > gap.From && t.EventTime < gap.To);
        }
    }

    [Fact]
    public void The_oracle_updates_on_a_half_percent_deviation_or_the_heartbeat_and_trades_stay_near_it()
    {
        var options = new SimulationOptions { Seed = 3, OracleHeartbeat = TimeSpan.FromMinutes(30) };
        var records = Run(options, TimeSpan.FromHours(3));
        var rounds = records.Where(r => r.OracleRound is not null).Select(r => r.OracleRound!).ToList();

        foreach (var feed in rounds.GroupBy(r => r.Symbol))
        {
            var list = feed.ToList();
            Assert.True(list.Count > 3, $"{feed.Key} has several rounds");
            Assert.Equal(list.Select(r => r.RoundId).Order(), list.Select(r => r.RoundId));
            foreach (var (previous, next) in list.Zip(list.Skip(1)))
            {
                var moved = Math.Abs(next.Answer - previous.Answer) / previous.Answer * 100;
                var elapsed = next.UpdatedAt - previous.UpdatedAt;
                Assert.True(moved >= 0.499m || elapsed >= options.OracleHeartbeat, $"{feed.Key} round {next.RoundId}: moved {moved} % after {elapsed}");
                Assert.True(elapsed <= options.OracleHeartbeat + SimulatedMarket.Step);
            }
        }

        // Between rounds the market can drift up to the deviation threshold away from the answer (plus spread and noise).
        var latest = new Dictionary<string, decimal>();
        foreach (var record in records)
        {
            if (record.OracleRound is { } round)
            {
                latest[round.Asset] = round.Answer;
            }
            else if (record.Tick is { Kind: TickKind.Trade } trade)
            {
                var deviation = Math.Abs(trade.Price - latest[trade.Asset]) / latest[trade.Asset] * 100;
                Assert.True(deviation < 1.0m, $"{trade.Symbol} at {trade.EventTime:o}: {deviation} % from the oracle");
            }
        }
    }

    [Fact]
    public void Sma_5_20_crossovers_happen_for_every_asset_within_two_hours_of_simulated_time()
    {
        // At the default 60x speed, two simulated hours are two wall-clock minutes.
        var records = Run(new SimulationOptions { Seed = 42 }, TimeSpan.FromHours(2));
        var trades = records.Where(r => r.Tick is { Source: Sources.Binance, Kind: TickKind.Trade }).Select(r => r.Tick!);

        foreach (var symbol in trades.GroupBy(t => t.Symbol))
        {
            // Reference: last trade of each minute, then naive SMAs.
            var closes = symbol
                .GroupBy(t => t.EventTime.ToUnixTimeSeconds() / 60)
                .OrderBy(g => g.Key)
                .Select(g => g.OrderBy(t => t.EventTime).Last().Price)
                .ToList();
            var crossings = 0;
            int? previousSign = null;
            for (var i = 19; i < closes.Count; i++)
            {
                var sma5 = closes.Skip(i - 4).Take(5).Average();
                var sma20 = closes.Skip(i - 19).Take(20).Average();
                var sign = Math.Sign(sma5 - sma20);
                if (sign != 0 && previousSign is { } p && p != sign)
                {
                    crossings++;
                }

                previousSign = sign == 0 ? previousSign : sign;
            }

            Assert.True(crossings >= 1, $"{symbol.Key}: no SMA 5/20 crossover in two hours");
        }
    }
}
