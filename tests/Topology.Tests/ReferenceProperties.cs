using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport.Reference;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoStreams.Topology.Tests;

/// <summary>One generated input record, before it is turned into a payload.</summary>
/// <param name="Kind">0–5 trade, 6–7 quote, 8 oracle round, 9 gap, 10 invalid tick (negative price).</param>
/// <param name="Second">Event time, seconds after <see cref="Market.T0"/>.</param>
/// <param name="PriceBasisPoints">Offset from the asset's base price.</param>
/// <param name="Delay">Seconds between event time and arrival: usually small (out of order within grace), sometimes beyond grace (late).</param>
public sealed record GeneratedEvent(int Kind, int Asset, int Source, int Quote, int Second, int PriceBasisPoints, int SizeThousandths, int Delay, int Round);

/// <summary>A generated market: events plus the settings that vary between runs.</summary>
public sealed record Scenario(IReadOnlyList<GeneratedEvent> Events, bool Ema, bool MadRule, int GraceSeconds, int ProvisionalSeconds = 0)
{
    public override string ToString() =>
        $"Ema={Ema} Mad={MadRule} Grace={GraceSeconds}s Provisional every {ProvisionalSeconds}s\n  " + string.Join("\n  ", Events);
}

public static class ScenarioArbitrary
{
    public static Arbitrary<Scenario> Scenarios()
    {
        var delay = Gen.Frequency((14, Gen.Choose(0, 5)), (5, Gen.Choose(0, 40)), (1, Gen.Choose(60, 200)));
        var price = Gen.Frequency((4, Gen.Choose(-80, 80)), (1, Gen.Choose(-400, 400)));
        var one =
            from kind in Gen.Choose(0, 10)
            from asset in Gen.Choose(0, 1)
            from source in Gen.Choose(0, 11)
            from quote in Gen.Frequency((6, Gen.Choose(0, 2)), (1, Gen.Constant(3)))
            from second in Gen.Choose(0, 420)
            from bp in price
            from size in Gen.Choose(0, 5000)
            from lag in delay
            from round in Gen.Choose(1, 40)
            select new GeneratedEvent(kind, asset, source, quote, second, bp, size, lag, round);
        var scenario =
            from events in Gen.ListOf(one).Resize(120)
            from ema in Gen.Elements(false, true)
            from mad in Gen.Elements(false, true)
            from grace in Gen.Elements(0, 10, 30)
            from provisional in Gen.Elements(0, 0, 5, 20)
            select new Scenario(events, ema, mad, grace, provisional);
        return scenario.ToArbitrary();
    }
}

/// <summary>
/// The topology against the naive reference (tests/TestSupport/Reference) on generated markets: every output
/// topic must receive exactly what the reference predicts, in order — candles (provisional and final),
/// consensus with exclusions, oracle deviation as of the window end, crossovers and dead letters (late included).
/// </summary>
public sealed class ReferenceProperties
{
    private static readonly string[] Assets = ["BTC", "ETH"];
    private static readonly decimal[] BasePrices = [60000m, 3000m];
    private static readonly string[] Quotes = ["USDT", "USD", "USDC", "EUR"];

    [Property(Arbitrary = [typeof(ScenarioArbitrary)], MaxTest = 40)]
    public void The_topology_writes_what_the_naive_reference_predicts(Scenario scenario) =>
        AssertAgreesWithReference(scenario, StateStoreKind.InMemory, stateDir: null);

    /// <summary>Runs <paramref name="scenario"/> through the topology with the given stores and compares every output topic with the reference.</summary>
    internal static void AssertAgreesWithReference(Scenario scenario, StateStoreKind stores, string? stateDir)
    {
        var options = new TopologyOptions
        {
            Grace = TimeSpan.FromSeconds(scenario.GraceSeconds),
            MovingAverage = scenario.Ema ? MovingAverageKind.Ema : MovingAverageKind.Sma,
            ShortLength = 2,
            LongLength = 3,
            OutlierRule = scenario.MadRule ? OutlierRule.Mad : OutlierRule.Percent,
            StateStore = stores,
            ProvisionalCandleInterval = TimeSpan.FromSeconds(scenario.ProvisionalSeconds),
        };
        var parameters = new ReferenceParameters
        {
            Grace = options.Grace,
            Ema = scenario.Ema,
            MadRule = scenario.MadRule,
            ShortLength = 2,
            LongLength = 3,
            ProvisionalInterval = options.ProvisionalCandleInterval,
        };
        var inputs = Arrivals(scenario);

        var expected = NaiveMarketReference.Run([.. inputs.Select(i => i.Input)], parameters);
        using var driver = new TopologyDriver(options, stateDir);
        driver.Pipe(inputs);

        Assert.Equal(expected.DeadLetters, driver.DeadLetters().Select(d => new ReferenceDeadLetter(d.Key, d.Value.Source, d.Value.Reason, d.Value.Topic!, d.Value.Payload)));
        Assert.Equal(expected.Prices, driver.Prices());
        Assert.Equal(expected.Consensus, driver.Consensus());
        Assert.Equal(expected.Deviations, driver.Deviations());
        Assert.Equal(expected.Signals, driver.Signals());
    }

    /// <summary>The generated events as raw records in arrival order, closed by one tick far ahead so every window closes.</summary>
    internal static List<(ReferenceInput Input, DateTimeOffset Timestamp)> Arrivals(Scenario scenario)
    {
        var records = scenario.Events
            .Select((e, i) => (Record: ToRecord(e), Arrival: e.Second + e.Delay, Index: i))
            .OrderBy(r => r.Arrival).ThenBy(r => r.Index)
            .Select(r => r.Record)
            .ToList();
        records.Add(ToRecord(new GeneratedEvent(0, 0, 0, 0, 100_000, 0, 1000, 0, 0)));
        return records;
    }

    private static (ReferenceInput, DateTimeOffset) ToRecord(GeneratedEvent e)
    {
        var asset = Assets[e.Asset];
        var at = Market.T0.AddSeconds(e.Second);
        var price = decimal.Round(BasePrices[e.Asset] * (1m + (e.PriceBasisPoints / 10_000m)), 4);
        switch (e.Kind)
        {
            case <= 5:
            {
                var source = Sources.Exchanges[e.Source % Sources.Exchanges.Count];
                var tick = Market.Trade(source, $"{asset}-{Quotes[e.Quote]}", price, e.SizeThousandths / 1000m, at);
                return (new ReferenceInput(Topics.Raw(source), asset, RecordJson.Serialize(tick)), at);
            }

            case <= 7:
            {
                var source = Sources.PriceApis[e.Source % Sources.PriceApis.Count];
                var tick = Market.Quote(source, $"{asset}-USD", price, at);
                return (new ReferenceInput(Topics.Raw(source), asset, RecordJson.Serialize(tick)), at);
            }

            case 8:
            {
                var round = Market.Round($"{asset}-USD", (ulong)e.Round, decimal.Round(price, 8), at.AddSeconds(-e.SizeThousandths));
                return (new ReferenceInput(Topics.RawChainlink, asset, RecordJson.Serialize(round)), round.UpdatedAt);
            }

            case 9:
            {
                var source = Sources.Exchanges[e.Source % Sources.Exchanges.Count];
                var gap = Market.Gap(source, $"{asset}-{Quotes[e.Quote]}", at, at.AddSeconds(e.Round), (GapCoverage)(e.Source % 3));
                return (new ReferenceInput(Topics.RawGaps, asset, RecordJson.Serialize(gap)), gap.DetectedAt);
            }

            default:
            {
                var tick = Market.Trade(Sources.Okx, $"{asset}-USDT", -price, 1m, at);
                return (new ReferenceInput(Topics.RawOkx, asset, RecordJson.Serialize(tick)), at);
            }
        }
    }
}

/// <summary>The generator must reach every path the property claims to check, or the property proves little.</summary>
public sealed class ScenarioCoverage
{
    [Fact]
    public void Generated_markets_contain_late_ticks_exclusions_partial_candles_deviations_and_crossovers()
    {
        var samples = ScenarioArbitrary.Scenarios().Generator.Sample(40, 40);
        var results = samples.Select(s => NaiveMarketReference.Run(
            [.. ReferenceProperties.Arrivals(s).Select(a => a.Input)],
            new ReferenceParameters { Grace = TimeSpan.FromSeconds(s.GraceSeconds), Ema = s.Ema, MadRule = s.MadRule, ShortLength = 2, LongLength = 3 })).ToList();

        Assert.Contains(results, r => r.DeadLetters.Any(d => d.Reason == "late"));
        Assert.Contains(results, r => r.DeadLetters.Any(d => d.Reason == "invalid-price"));
        Assert.Contains(results, r => r.Consensus.Any(c => c.Value.SourcesExcluded.Any(e => e.Reason.StartsWith("outlier", StringComparison.Ordinal))));
        Assert.Contains(results, r => r.Consensus.Any(c => c.Value.SourcesExcluded.Any(e => e.Reason.StartsWith("no USD quote", StringComparison.Ordinal))));
        Assert.Contains(results, r => r.Prices.Any(p => p.Value.Coverage == Coverage.Partial && p.Value.Final));
        Assert.Contains(results, r => r.Deviations.Count > 0);
        Assert.Contains(results, r => r.Deviations.Any(d => d.Value.StalenessSeconds > 60));
        Assert.Contains(results, r => r.Signals.Any(s => s.Value.Direction == CrossoverDirection.Golden));
        Assert.Contains(results, r => r.Signals.Any(s => s.Value.Direction == CrossoverDirection.Death));
    }
}
