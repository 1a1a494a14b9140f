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

    [Fact]
    public void An_oracle_round_read_far_ahead_of_the_ticks_closes_no_window_and_waits_for_its_own()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.FromSeconds(30), EmitProvisionalCandles = false });
        var inForce = Round("BTC-USD", 100, 65000m, At(-1));
        var minutesAhead = Round("BTC-USD", 101, 66000m, At(4, 5));

        // Catching up a backlog, Streamiz may hand over the sparse oracle topic minutes ahead of the ticks.
        driver.Pipe(inForce);
        driver.Pipe(Trade(Sources.Binance, "BTC-USDT", 65100m, 1m, At(0, 10)));
        driver.Pipe(minutesAhead);
        driver.Pipe(Trade(Sources.Binance, "BTC-USDT", 65300m, 1m, At(0, 50))); // still on time: only ticks move stream time
        driver.Pipe(Trade(Sources.Binance, "BTC-USDT", 65500m, 1m, At(4, 30))); // closes 10:00–10:01 ... 10:03–10:04
        driver.Pipe(Trade(Sources.Binance, "BTC-USDT", 65700m, 1m, At(5, 30))); // closes 10:04–10:05

        Assert.Empty(driver.DeadLetters());
        Assert.Equal([2L, 1L], driver.FinalCandles().Select(c => c.Count));
        Assert.Equal(
            [(inForce.RoundId, At(1)), (minutesAhead.RoundId, At(5))],
            driver.Deviations().Select(d => (d.Value.OracleRoundId, d.Value.WindowEnd)));
    }
}
