using CryptoStreams.Schema;
using static CryptoStreams.Topology.Tests.Market;

namespace CryptoStreams.Topology.Tests;

/// <summary>Stage 5: moving-average crossovers of the final consensus closes.</summary>
public sealed class CrossoverSpecs
{
    [Fact]
    public void A_golden_and_a_death_cross_are_each_signalled_once_and_nothing_during_warm_up()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.Zero, EmitProvisionalCandles = false, ShortLength = 2, LongLength = 3 });

        // One close per window: 10 10 10 | 9 (short below long: warm-up sets the side) 12 (golden) 13 11 8 (death) 7
        decimal[] closes = [10m, 10m, 10m, 9m, 12m, 13m, 11m, 8m, 7m];
        for (var minute = 0; minute < closes.Length; minute++)
        {
            driver.Pipe(Trade(Sources.Coinbase, "SOL-USD", closes[minute], 1m, At(minute, 30)));
        }

        driver.Pipe(Trade(Sources.Coinbase, "SOL-USD", 7m, 1m, At(closes.Length, 30)));

        Assert.Equal(
            [
                KeyValuePair.Create("SOL", new CrossoverSignal("SOL-USD", CrossoverDirection.Golden, MovingAverageKind.Sma, 2, 3, 10.5m, (10m + 9m + 12m) / 3, 12m, At(4), At(5))),
                KeyValuePair.Create("SOL", new CrossoverSignal("SOL-USD", CrossoverDirection.Death, MovingAverageKind.Sma, 2, 3, 9.5m, (13m + 11m + 8m) / 3, 8m, At(7), At(8))),
            ],
            driver.Signals());
    }
}
