using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport.Reference;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoStreams.Topology.Tests;

/// <summary>
/// The same records on the raw topics give the same output however they arrive (issue 14). One generated market
/// (the generator of <see cref="ReferenceProperties"/>), each topic in event-time order as its source writes it, is
/// read as a backlog — every record already on the broker (<see cref="KnownInputOffsets"/> with each topic's count) —
/// in adversarial orders: one topic wholly after another, random chunks of random topics, one source idle throughout,
/// one source that stops half-way. Each run must equal the run in event-time order and the naive reference over the
/// records sorted by event time: final candles, consensus, deviations and crossovers in order; provisional candles as a
/// multiset without their coverage (a provisional update shows the gaps reported so far, which depends on when the gap
/// topic was read); dead letters as a multiset, none of them late.
/// </summary>
public sealed class ArrivalOrderProperties
{
    [Property(Arbitrary = [typeof(ArrivalScenarioArbitrary)], MaxTest = 12)]
    public void Every_arrival_order_gives_the_output_of_the_event_time_order(ArrivalScenario scenario)
    {
        var random = new Random(scenario.Seed);
        var sorted = InEventTimeOrder(scenario.Scenario);
        var topics = sorted.Select(r => r.Input.Topic).Distinct().ToList();
        var quiet = topics.Where(t => t != Topics.RawBinance && t != Topics.RawChainlink && t != Topics.RawGaps).ToList();

        AssertSameAsReference(scenario, sorted, sorted);
        AssertSameAsReference(scenario, sorted, TopicAfterTopic(sorted, [.. topics.OrderBy(_ => random.Next())]));
        AssertSameAsReference(scenario, sorted, RandomChunks(sorted, random));
        if (quiet.Count > 0)
        {
            var idle = quiet[random.Next(quiet.Count)];
            var withoutIdle = sorted.Where(r => r.Input.Topic != idle).ToList();
            AssertSameAsReference(scenario, withoutIdle, RandomChunks(withoutIdle, random));

            var stopping = quiet[random.Next(quiet.Count)];
            var ofStopping = sorted.Count(r => r.Input.Topic == stopping);
            var seen = 0;
            var stopped = sorted.Where(r => r.Input.Topic != stopping || ++seen <= ofStopping / 2).ToList();
            AssertSameAsReference(scenario, stopped, TopicAfterTopic(stopped, [.. topics.OrderBy(_ => random.Next())]));
        }
    }

    /// <summary>The scenario's records sorted by the time each topic is ordered by (tick event time, round update, gap report), closed by one tick far ahead.</summary>
    private static List<(ReferenceInput Input, DateTimeOffset Timestamp)> InEventTimeOrder(Scenario scenario) =>
        [.. ReferenceProperties.Arrivals(scenario).Select((r, i) => (Record: r, Index: i)).OrderBy(x => x.Record.Timestamp).ThenBy(x => x.Index).Select(x => x.Record)];

    private static List<(ReferenceInput Input, DateTimeOffset Timestamp)> TopicAfterTopic(
        List<(ReferenceInput Input, DateTimeOffset Timestamp)> records, IReadOnlyList<string> order) =>
        [.. order.SelectMany(topic => records.Where(r => r.Input.Topic == topic))];

    private static List<(ReferenceInput Input, DateTimeOffset Timestamp)> RandomChunks(List<(ReferenceInput Input, DateTimeOffset Timestamp)> records, Random random)
    {
        var queues = records.GroupBy(r => r.Input.Topic).Select(g => new Queue<(ReferenceInput, DateTimeOffset)>(g)).ToList();
        var result = new List<(ReferenceInput Input, DateTimeOffset Timestamp)>();
        while (queues.Count > 0)
        {
            var queue = queues[random.Next(queues.Count)];
            for (var n = random.Next(1, 25); n > 0 && queue.Count > 0; n--)
            {
                result.Add(queue.Dequeue());
            }

            if (queue.Count == 0)
            {
                queues.Remove(queue);
            }
        }

        return result;
    }

    private static void AssertSameAsReference(
        ArrivalScenario scenario, List<(ReferenceInput Input, DateTimeOffset Timestamp)> sorted, List<(ReferenceInput Input, DateTimeOffset Timestamp)> arrival)
    {
        var options = new TopologyOptions
        {
            Grace = TimeSpan.FromSeconds(scenario.GraceSeconds),
            ShortLength = 2,
            LongLength = 3,
            ProvisionalCandleInterval = TimeSpan.FromSeconds(scenario.Scenario.ProvisionalSeconds),
        };
        var expected = NaiveMarketReference.Run([.. sorted.Select(r => r.Input)], new ReferenceParameters
        {
            Grace = options.Grace,
            ShortLength = 2,
            LongLength = 3,
            ProvisionalInterval = options.ProvisionalCandleInterval,
        });
        // Every input is known: a topic without records is empty on the broker (end offset 0), not unknown.
        var backlog = new KnownInputOffsets(CryptoTopology.InputTopics
            .Select(t => KeyValuePair.Create((t, 0), new InputOffsets(0, arrival.Count(r => r.Input.Topic == t), -1))));
        using var driver = new TopologyDriver(options, inputLag: backlog);
        driver.Pipe(arrival);

        Assert.DoesNotContain(driver.DeadLetters(), d => d.Value.Reason == DeadLetterReasons.Late);
        Assert.Equal(Sorted(expected.DeadLetters), Sorted(driver.DeadLetters().Select(d => new ReferenceDeadLetter(d.Key, d.Value.Source, d.Value.Reason, d.Value.Topic!, d.Value.Payload))));
        Assert.Equal(expected.Prices.Where(p => p.Value.Final), driver.Prices().Where(p => p.Value.Final));
        Assert.Equal(expected.Consensus, driver.Consensus());
        Assert.Equal(expected.Deviations, driver.Deviations());
        Assert.Equal(expected.Signals, driver.Signals());
        Assert.Equal(Provisional(expected.Prices), Provisional(driver.Prices()));
    }

    private static List<string> Provisional(IEnumerable<KeyValuePair<string, Candle>> prices) =>
        [.. prices.Where(p => !p.Value.Final).Select(p => RecordJson.Serialize(p.Value with { Coverage = Coverage.Complete })).Select(Convert.ToBase64String).Order(StringComparer.Ordinal)];

    private static List<string> Sorted(IEnumerable<ReferenceDeadLetter> letters) =>
        [.. letters.Select(d => $"{d.Key}|{d.Source}|{d.Reason}|{d.Topic}|{Convert.ToBase64String(d.Payload)}").Order(StringComparer.Ordinal)];
}

/// <summary>A generated market, the grace, and the seed of the arrival orders tried on it.</summary>
public sealed record ArrivalScenario(Scenario Scenario, int GraceSeconds, int Seed)
{
    public override string ToString() => $"Grace={GraceSeconds}s Seed={Seed} {Scenario}";
}

public static class ArrivalScenarioArbitrary
{
    // Gaps are reported a second after they end (Market.Gap), so a grace of at least a few seconds lets their last
    // window wait for them; ticks come in event-time order per topic, so nothing is late in any arrival order.
    public static Arbitrary<ArrivalScenario> Scenarios() =>
        (from scenario in ScenarioArbitrary.Scenarios().Generator
         from grace in Gen.Elements(10, 30)
         from seed in Gen.Choose(0, int.MaxValue - 1)
         select new ArrivalScenario(scenario, grace, seed)).ToArbitrary();
}
