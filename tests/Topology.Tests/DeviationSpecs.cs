using CryptoStreams.Schema;
using static CryptoStreams.Topology.Tests.Market;

namespace CryptoStreams.Topology.Tests;

/// <summary>Stage 4: the oracle answer in force at each window end, against that window's consensus.</summary>
public sealed class DeviationSpecs
{
    [Fact]
    public void The_deviation_uses_the_round_in_force_at_the_window_end_even_an_hour_old_and_not_a_later_one()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.FromSeconds(20), EmitProvisionalCandles = false });
        var hourOld = Round("BTC-USD", 100, 65000.12345678m, At(-60, 10));
        var afterTheEnd = Round("BTC-USD", 101, 66000m, At(1, 5));

        driver.Pipe(hourOld);
        driver.Pipe(
            Trade(Sources.Binance, "BTC-USDT", 65100m, 1m, At(0, 30)),
            Quote(Sources.CoinGecko, "BTC-USD", 65200m, At(0, 40)));
        driver.Pipe(afterTheEnd); // updated at 10:01:05, after the window end: not the answer in force at 10:01
        driver.Pipe(Trade(Sources.Binance, "BTC-USDT", 65300m, 1m, At(1, 30))); // closes 10:00–10:01

        var (key, deviation) = Assert.Single(driver.Deviations());
        Assert.Equal("BTC", key);
        Assert.Equal(
            new Deviation(
                "BTC-USD", At(0), At(1), "chainlink", hourOld.RoundId, 65000.12345678m, At(-60, 10),
                StalenessSeconds: 3650,
                ConsensusPrice: 65150m,
                DeviationPercent: (65000.12345678m - 65150m) / 65150m * 100m,
                ApiMeanPrice: 65200m,
                ApiDeviationPercent: (65000.12345678m - 65200m) / 65200m * 100m),
            deviation);
    }

    [Fact]
    public void Without_any_oracle_round_there_is_a_consensus_but_no_deviation()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.Zero, EmitProvisionalCandles = false });

        driver.Pipe(Trade(Sources.Binance, "ETH-USDT", 3000m, 1m, At(0, 30)), Trade(Sources.Binance, "ETH-USDT", 3000m, 1m, At(1, 30)));

        Assert.Single(driver.Consensus());
        Assert.Empty(driver.Deviations());
    }
}
