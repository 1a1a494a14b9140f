using System.Collections.Immutable;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Loader;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CryptoStreams.Cli.Tests;

/// <summary>What the live view of <c>up</c> shows, rendered to text from status snapshots.</summary>
public sealed class StatusPanelsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Sources_show_rates_freshness_and_gaps_per_source()
    {
        var text = Render(StatusPanels.Sources(
        [
            Source("binance", SourceState.Running, ticks: 12_345, perSecond: 41.5, lastTick: Now.AddSeconds(-3), gaps: 2),
            Source("coincap", SourceState.Off, ticks: 0, perSecond: 0, lastTick: null, error: "no API key: CoinCap v3 needs one"),
        ], Now));

        Assert.Contains("binance", text, StringComparison.Ordinal);
        Assert.Contains("12,345", text, StringComparison.Ordinal);
        Assert.Contains("41.5", text, StringComparison.Ordinal);
        Assert.Contains("3 s", text, StringComparison.Ordinal);
        Assert.Contains("never", text, StringComparison.Ordinal);
        Assert.Contains("no API key", text, StringComparison.Ordinal);
        Assert.DoesNotContain("--simulate", text, StringComparison.Ordinal);
    }

    [Fact]
    public void When_no_live_source_is_reachable_the_view_suggests_the_simulated_market()
    {
        var text = Render(StatusPanels.Sources(
        [
            Source("binance", SourceState.Unreachable, ticks: 0, perSecond: 0, lastTick: null, error: "Name or service not known"),
            Source("coingecko", SourceState.Restarting, ticks: 0, perSecond: 0, lastTick: null),
        ], Now));

        Assert.Contains("unreachable", text, StringComparison.Ordinal);
        Assert.Contains("cryptostreams up --simulate", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Loader_shows_consumer_lag_per_partition()
    {
        var lag = ImmutableDictionary<TopicPartitionKey, long>.Empty
            .Add(new TopicPartitionKey(Topics.Prices1m, 3), 4_200)
            .Add(new TopicPartitionKey(Topics.Consensus1m, 0), 0);
        var text = Render(StatusPanels.Loader(new LoaderSnapshot(
            LoaderState.Running, null, "cryptostreams-loader", 10, 9_876, 1, 5, 1234.4, TimeSpan.FromMilliseconds(12.5), lag, null, Now)));

        Assert.Contains("9,876", text, StringComparison.Ordinal);
        Assert.Contains("4,200", text, StringComparison.Ordinal);
        Assert.Contains(Topics.Prices1m, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Topics.Consensus1m, text, StringComparison.Ordinal);
        Assert.Contains("12.5 ms", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Results_show_the_last_deviation_per_symbol_and_the_last_signals()
    {
        var window = new DateTimeOffset(2026, 11, 25, 11, 58, 0, TimeSpan.Zero);
        var deviation = new Deviation("BTC-USD", window, window.AddMinutes(1), Sources.Chainlink, 42, 97_123.45678901m, window, 17,
            97_000m, 0.1272987m, 97_010m, 0.12m);
        var signal = new CrossoverSignal("ETH-USD", CrossoverDirection.Golden, MovingAverageKind.Sma, 5, 20, 3_101.5m, 3_099.25m, 3_105m, window, window.AddMinutes(1));

        var text = Render(StatusPanels.Results(new LatestResultsSnapshot([deviation], [signal])));

        Assert.Contains("BTC-USD", text, StringComparison.Ordinal);
        Assert.Contains("97123.45678901", text, StringComparison.Ordinal);
        Assert.Contains("+0.1273", text, StringComparison.Ordinal);
        Assert.Contains("ETH-USD", text, StringComparison.Ordinal);
        Assert.Contains("golden", text, StringComparison.Ordinal);
        Assert.Contains("11:58", text, StringComparison.Ordinal);
    }

    private static SourceStatus Source(string name, SourceState state, long ticks, double perSecond, DateTimeOffset? lastTick, long gaps = 0, string? error = null) =>
        new(name, state, ticks, perSecond, lastTick, 0, 0, 0, gaps, 0, error);

    private static string Render(IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 240;
        console.Write(renderable);
        return writer.ToString();
    }
}
