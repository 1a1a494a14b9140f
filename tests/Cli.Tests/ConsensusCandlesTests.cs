using CryptoStreams.Cli.Dashboard;
using CryptoStreams.Schema;
using CryptoStreams.Topology;

namespace CryptoStreams.Cli.Tests;

/// <summary>How the dashboard builds the consensus candle of one window from the sources' candles (no I/O).</summary>
public sealed class ConsensusCandlesTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 7, 20, 0, 0, TimeSpan.Zero);
    private static readonly StablecoinPolicy UsdtAsUsd = new(["USDT"]);

    private static Candle Source(string source, string symbol, decimal open, decimal high, decimal low, decimal close, bool final = true) =>
        new(source, symbol, TickKind.Trade, Start, Start.AddMinutes(1), open, high, low, close, close, 1m, 10, Coverage.Complete, final);

    private static Consensus Final(decimal median, params string[] used) =>
        new("BTC-USD", Start, Start.AddMinutes(1), null, [], median, used, [], UsdtAsUsd.Description, Final: true);

    [Fact]
    public void The_final_candle_closes_at_the_consensus_median_with_open_high_low_the_medians_of_the_sources_used()
    {
        Candle[] candles =
        [
            Source("binance", "BTC-USDT", 100m, 110m, 95m, 105m),
            Source("coinbase", "BTC-USD", 102m, 112m, 99m, 107m),
            Source("kraken", "BTC-USD", 101m, 108m, 90m, 104m),
            Source("okx", "BTC-USD", 500m, 600m, 400m, 550m), // excluded by the topology (outlier): not in sources_used
        ];

        var candle = ConsensusCandles.From(candles, UsdtAsUsd, Final(105m, "binance", "coinbase", "kraken"));

        Assert.NotNull(candle);
        Assert.Equal(Start.ToUnixTimeSeconds(), candle.Time);
        Assert.True(candle.Final);
        Assert.Equal(105m, candle.Close);
        Assert.Equal(101m, candle.Open);
        Assert.Equal(110m, candle.High);
        Assert.Equal(95m, candle.Low);
        Assert.Equal(["binance", "coinbase", "kraken"], candle.Sources);
    }

    [Fact]
    public void Each_source_contributes_its_most_directly_usd_quoted_candle_and_unusable_quotes_are_left_out()
    {
        Candle[] candles =
        [
            Source("binance", "BTC-USDT", 100m, 110m, 90m, 105m),
            Source("binance", "BTC-USD", 200m, 210m, 190m, 205m),
            Source("kraken", "BTC-EUR", 1m, 1m, 1m, 1m),
            Source("kraken", "BTC-USDT", 300m, 310m, 290m, 305m),
            Source("bitstamp", "BTC-EUR", 9m, 9m, 9m, 9m),
        ];

        var chosen = ConsensusCandles.PerSource(candles, UsdtAsUsd).ToList();

        Assert.Equal([("binance", "BTC-USD"), ("kraken", "BTC-USDT")], chosen.Select(c => (c.Source, c.Symbol)));
    }

    [Fact]
    public void An_open_window_gives_a_provisional_candle_from_every_source_seen_so_far()
    {
        Candle[] candles =
        [
            Source("binance", "BTC-USD", 100m, 104m, 99m, 103m, final: false),
            Source("coinbase", "BTC-USD", 101m, 106m, 100m, 102m, final: false),
        ];

        var candle = ConsensusCandles.From(candles, UsdtAsUsd, consensus: null);

        Assert.NotNull(candle);
        Assert.False(candle.Final);
        Assert.Equal(102.5m, candle.Close);
        Assert.Equal(100.5m, candle.Open);
        Assert.Equal(105m, candle.High);
        Assert.Equal(99.5m, candle.Low);
    }

    [Fact]
    public void High_and_low_enclose_open_and_close_even_when_the_medians_of_highs_and_lows_would_not()
    {
        // Medians of different fields come from different sources: here the median high (104) is below the close (the
        // consensus median of the closes is 105 only because another source's close is high).
        Candle[] candles =
        [
            Source("a", "BTC-USD", 100m, 101m, 99m, 100m),
            Source("b", "BTC-USD", 100m, 104m, 99m, 104m),
            Source("c", "BTC-USD", 100m, 120m, 99m, 120m),
        ];

        var candle = ConsensusCandles.From(candles, UsdtAsUsd, Final(110m, "a", "b", "c"));

        Assert.NotNull(candle);
        Assert.Equal(110m, candle.Close);
        Assert.Equal(110m, candle.High);
        Assert.Equal(99m, candle.Low);
    }

    [Fact]
    public void A_window_with_a_consensus_but_no_source_candle_is_a_flat_candle_at_the_median_and_nothing_at_all_is_no_candle()
    {
        var flat = ConsensusCandles.From([], UsdtAsUsd, Final(42m, "binance"));

        Assert.NotNull(flat);
        Assert.Equal((42m, 42m, 42m, 42m), (flat.Open, flat.High, flat.Low, flat.Close));
        Assert.Null(ConsensusCandles.From([], UsdtAsUsd, consensus: null));
    }
}
