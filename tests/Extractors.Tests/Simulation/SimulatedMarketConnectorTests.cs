using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Simulation;
using CryptoStreams.Schema;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Simulation;

public sealed class SimulatedMarketConnectorTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Plays_the_generator_on_a_simulated_clock_at_the_configured_speed()
    {
        var options = new SimulationOptions { Seed = 5, Speed = 60, Start = Start };
        var clock = new FakeTimeProvider(Start);
        var connector = new SimulatedMarketConnector(Options.Create(options), new HealthLog(), clock, NullLogger<SimulatedMarketConnector>.Instance);
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        // Records within the first simulated minute (plus the connector's 2 ms wall-clock tolerance) are due after one wall second.
        var reference = SimulatedMarket.Generate(options, Start, TimeSpan.FromMinutes(2)).ToList();
        var dueAtStart = reference.Count(r => r.Time - Start <= TimeSpan.FromMilliseconds(2 * 60));
        var dueAfterOneSecond = reference.Count(r => r.Time - Start <= TimeSpan.FromMilliseconds(1002 * 60));

        await Eventually.HoldsAsync(() => sink.All.Count == dueAtStart, "records due at the start");
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => sink.All.Count == dueAfterOneSecond, "a simulated minute after one wall second");
        await cts.CancelAsync();
        await run;

        Assert.True(dueAfterOneSecond > 100, "a simulated minute has many records");
        Assert.Equal(
            reference.Take(dueAfterOneSecond).Select(r => (object?)r.Tick ?? (object?)r.OracleRound ?? (object?)r.Gap ?? r.DeadLetter),
            sink.All.Take(dueAfterOneSecond));
    }

    [Fact]
    public async Task Publishes_only_tracked_assets_and_follows_a_change_at_run_time()
    {
        var options = new SimulationOptions { Seed = 5, Speed = 60, Start = Start, BadPayloadRate = 0 };
        var clock = new FakeTimeProvider(Start);
        var tracked = new TrackedSymbols(["BTC-USD"]);
        var connector = new SimulatedMarketConnector(Options.Create(options), new HealthLog(), clock, NullLogger<SimulatedMarketConnector>.Instance, tracked);
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => sink.Ticks.Count > 0, "BTC ticks");
        var firstMinute = sink.Ticks.Count;
        Assert.All(sink.Ticks, t => Assert.Equal("BTC", CanonicalSymbol.AssetOf(t.Symbol)));

        tracked.Add(CanonicalSymbol.Parse("ETH-USDT"));
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => sink.Ticks.Skip(firstMinute).Any(t => t.Symbol.StartsWith("ETH-", StringComparison.Ordinal)), "ETH ticks after the addition");
        await cts.CancelAsync();
        await run;

        Assert.DoesNotContain(sink.Ticks, t => t.Symbol.StartsWith("LINK-", StringComparison.Ordinal));
    }

    /// <summary>
    /// A previous run at 60× left the raw topics hours ahead of the wall clock: the new run continues after them, so
    /// its records are not all behind the topology's stream time (late, dead-lettered). Behind the wall clock (a
    /// live run, or an old simulation) it starts at the wall clock as before.
    /// </summary>
    [Theory]
    [InlineData(3 * 60, true)]
    [InlineData(-5, false)]
    public async Task Continues_after_the_newest_event_time_on_the_raw_topics_when_that_is_ahead(int publishedMinutesFromNow, bool continues)
    {
        var options = new SimulationOptions { Seed = 5, Speed = 60 };
        var clock = new FakeTimeProvider(Start);
        var published = Start + TimeSpan.FromMinutes(publishedMinutesFromNow);
        var connector = new SimulatedMarketConnector(
            Options.Create(options), new HealthLog(), clock, NullLogger<SimulatedMarketConnector>.Instance, published: new PublishedAt(published));
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => sink.Ticks.Count > 0, "the first ticks");
        await cts.CancelAsync();
        await run;

        var expectedStart = continues ? published + TimeSpan.FromSeconds(1) : Start;
        var first = SimulatedMarket.Generate(options, expectedStart, TimeSpan.FromMinutes(1)).First(r => r.Tick is not null).Tick!;
        Assert.Equal(first, sink.Ticks[0]);
        Assert.All(sink.Ticks, t => Assert.True(t.EventTime >= expectedStart, $"{t.EventTime:o} before {expectedStart:o}"));
    }

    private sealed class PublishedAt(DateTimeOffset latest) : IPublishedEventTime
    {
        public Task<DateTimeOffset?> LatestAsync(CancellationToken cancellationToken) => Task.FromResult<DateTimeOffset?>(latest);
    }
}
