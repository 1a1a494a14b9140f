using CryptoStreams.Schema;
using static CryptoStreams.Topology.Tests.Market;

namespace CryptoStreams.Topology.Tests;

/// <summary>Stage 3: when a window closes, the consensus of every source's close.</summary>
public sealed class ConsensusSpecs
{
    [Fact]
    public void The_consensus_has_the_api_mean_and_a_median_without_the_outlier_which_it_names()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.Zero, EmitProvisionalCandles = false });

        driver.Pipe(
            Trade(Sources.Binance, "BTC-USDT", 100.0m, 1m, At(0, 10)),
            Trade(Sources.Coinbase, "BTC-USD", 100.4m, 1m, At(0, 11)),
            Trade(Sources.KuCoin, "BTC-USDC", 99.8m, 1m, At(0, 12)),
            Trade(Sources.Okx, "BTC-USDT", 104.0m, 1m, At(0, 13)), // 3.8 % above the median: excluded
            Trade(Sources.Okx, "BTC-EUR", 92.0m, 1m, At(0, 14)), // okx is priced by its USDT pair, not EUR
            Quote(Sources.CoinGecko, "BTC-USD", 100.2m, At(0, 20)),
            Quote(Sources.CoinCap, "BTC-USD", 100.1m, At(0, 30)),
            Trade(Sources.Binance, "BTC-USDT", 100.0m, 1m, At(1, 0))); // closes 10:00–10:01

        var (key, consensus) = Assert.Single(driver.Consensus());
        Assert.Equal("BTC", key);
        Assert.Equal(
            new Consensus(
                "BTC-USD", At(0), At(1),
                ApiMean: 100.15m,
                ApiSources: [Sources.CoinCap, Sources.CoinGecko],
                Median: 100.1m,
                SourcesUsed: [Sources.Binance, Sources.Coinbase, Sources.CoinCap, Sources.CoinGecko, Sources.KuCoin],
                SourcesExcluded: [new ExcludedSource(Sources.Okx, 104.0m, "outlier: more than 2% from median 100.15")],
                StablecoinPolicy: "USDT=USD,USDC=USD",
                Final: true),
            consensus);
    }

    [Fact]
    public void With_usd_only_policy_stablecoin_quotes_are_excluded_and_say_why()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.Zero, EmitProvisionalCandles = false, StablecoinsAsUsd = "" });

        driver.Pipe(
            Trade(Sources.Binance, "ETH-USDT", 3000m, 1m, At(0, 10)),
            Trade(Sources.Coinbase, "ETH-USD", 3001m, 1m, At(0, 11)),
            Trade(Sources.Coinbase, "ETH-USD", 3002m, 1m, At(1, 0)));

        var consensus = Assert.Single(driver.Consensus()).Value;
        Assert.Equal("USD only", consensus.StablecoinPolicy);
        Assert.Equal(3001m, consensus.Median);
        Assert.Null(consensus.ApiMean);
        Assert.Equal([new ExcludedSource(Sources.Binance, 3000m, "no USD quote under policy USD only: ETH-USDT")], consensus.SourcesExcluded);
    }

    [Fact]
    public void The_mad_rule_excludes_sources_more_than_k_median_absolute_deviations_away()
    {
        using var driver = new TopologyDriver(new TopologyOptions { Grace = TimeSpan.Zero, EmitProvisionalCandles = false, OutlierRule = OutlierRule.Mad, OutlierMadMultiplier = 3m });

        driver.Pipe(
            Trade(Sources.Binance, "LINK-USDT", 14.00m, 1m, At(0, 1)),
            Trade(Sources.Coinbase, "LINK-USD", 14.02m, 1m, At(0, 2)),
            Trade(Sources.KuCoin, "LINK-USDT", 13.99m, 1m, At(0, 3)),
            Trade(Sources.Okx, "LINK-USDT", 14.20m, 1m, At(0, 4)), // 1.4 % off: inside 2 %, but 13 MADs away
            Trade(Sources.Binance, "LINK-USDT", 14.00m, 1m, At(1, 0)));

        var consensus = Assert.Single(driver.Consensus()).Value;
        Assert.Equal(14.00m, consensus.Median);
        Assert.Equal([new ExcludedSource(Sources.Okx, 14.20m, "outlier: more than 3 MAD (0.015) from median 14.01")], consensus.SourcesExcluded);
    }
}
