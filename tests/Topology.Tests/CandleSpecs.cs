using CryptoStreams.Schema;
using static CryptoStreams.Topology.Tests.Market;

namespace CryptoStreams.Topology.Tests;

/// <summary>Stage 2: per (source, symbol) candles in tumbling windows, by event time, closed after the grace period.</summary>
public sealed class CandleSpecs
{
    [Fact]
    public void Open_and_close_follow_event_time_even_when_ticks_arrive_out_of_order_within_grace()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.FromSeconds(30) });

        driver.Pipe(
            Trade(Sources.Binance, "BTC-USDT", 101m, 2m, At(0, 40)),
            Trade(Sources.Binance, "BTC-USDT", 100m, 1m, At(0, 10)), // arrives second, happened first: the open
            Trade(Sources.Binance, "BTC-USDT", 104m, 1m, At(1, 5)), // next window; stream time 10:01:05
            Trade(Sources.Binance, "BTC-USDT", 99m, 4m, At(0, 55)), // 10 s late, within grace: the close
            Trade(Sources.Binance, "BTC-USDT", 105m, 1m, At(1, 30))); // stream time passes 10:01:30 = end + grace

        var final = Assert.Single(driver.FinalCandles());
        Assert.Equal(
            new Candle(Sources.Binance, "BTC-USDT", TickKind.Trade, At(0), At(1), Open: 100m, High: 101m, Low: 99m, Close: 99m,
                Vwap: ((101m * 2) + (100m * 1) + (99m * 4)) / 7m, Volume: 7m, Count: 3, Coverage.Complete, Final: true),
            final);
        Assert.Empty(driver.DeadLetters());
    }

    [Fact]
    public void A_tick_for_a_closed_window_is_dead_lettered_as_late_and_counted()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.FromSeconds(10) });
        var late = Trade(Sources.Okx, "ETH-USDT", 3000m, 1m, At(0, 50));

        driver.Pipe(Trade(Sources.Okx, "ETH-USDT", 3001m, 1m, At(0, 20)), Trade(Sources.Okx, "ETH-USDT", 3002m, 1m, At(1, 10)), late);

        var dead = Assert.Single(driver.DeadLetters());
        Assert.Equal(("ETH", Sources.Okx, DeadLetterReasons.Late, Topics.RawOkx), (dead.Key, dead.Value.Source, dead.Value.Reason, dead.Value.Topic));
        Assert.Equal(Schema.Serialization.RecordJson.Serialize(late), dead.Value.Payload);
        Assert.Contains("closed at stream time 2026-03-02T10:01:10", dead.Value.Error, StringComparison.Ordinal);
        Assert.Equal(1, driver.Runtime.Status.LateRecords);
        Assert.Equal(3001m, Assert.Single(driver.FinalCandles()).Close);
    }

    [Fact]
    public void Quotes_give_the_mean_price_and_no_volume()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.Zero, EmitProvisionalCandles = false });

        driver.Pipe(
            Quote(Sources.CoinGecko, "BTC-USD", 100m, At(0, 0)),
            Quote(Sources.CoinGecko, "BTC-USD", 103m, At(0, 30)),
            Quote(Sources.CoinGecko, "BTC-USD", 101m, At(1, 0)));

        Assert.Equal(
            [new Candle(Sources.CoinGecko, "BTC-USD", TickKind.Quote, At(0), At(1), 100m, 103m, 100m, 103m, 101.5m, 0m, 2, Coverage.Complete, Final: true)],
            driver.Prices().Select(p => p.Value));
    }

    [Fact]
    public void A_reported_gap_marks_the_candles_it_overlaps_as_partial()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.Zero, EmitProvisionalCandles = false });

        driver.Pipe(Trade(Sources.KuCoin, "LINK-USDT", 14m, 10m, At(0, 1)));
        driver.Pipe(Trade(Sources.Binance, "LINK-USDT", 14.1m, 10m, At(0, 2)));
        driver.Pipe(Gap(Sources.KuCoin, "LINK-USDT", At(0, 20), At(0, 50), GapCoverage.Partial));
        driver.Pipe(Trade(Sources.KuCoin, "LINK-USDT", 14.2m, 10m, At(1, 1)));

        Assert.Equal(
            [(Sources.Binance, Coverage.Complete), (Sources.KuCoin, Coverage.Partial)],
            driver.FinalCandles().Select(c => (c.Source, c.Coverage)));
    }
}
