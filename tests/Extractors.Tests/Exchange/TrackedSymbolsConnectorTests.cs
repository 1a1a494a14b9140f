using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>A change of the tracked symbols reaches a running exchange connector: it resubscribes without a restart.</summary>
public sealed class TrackedSymbolsConnectorTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Binance_resubscribes_when_a_symbol_is_added_and_drops_it_when_removed()
    {
        var venue = new FakeBinance();
        await using var rig = new ConnectorRig(venue);
        var tracked = new TrackedSymbols(["BTC-USD"]);
        var options = ConnectorRig.AimAt(new BinanceOptions(), venue, ["BTC-USDT"]);
        rig.Start(new BinanceConnector(options, new BinanceFrameParser(), rig.Context with { Tracked = tracked }));

        await rig.WaitForAsync(() => Subscriptions(venue).Count == 1, "the first subscription", Patience);
        Assert.Contains("\"btcusdt@aggTrade\"", Subscriptions(venue)[0], StringComparison.Ordinal);
        Assert.DoesNotContain("solusdt", Subscriptions(venue)[0], StringComparison.Ordinal);

        // SOL is not among Binance's configured symbols: it is streamed against the venue's quote, USDT.
        Assert.True(tracked.Add(CanonicalSymbol.Parse("SOL-USD")));
        await rig.WaitForAsync(() => Subscriptions(venue).Count == 2, "a subscription after the addition", Patience);
        Assert.Contains("\"solusdt@aggTrade\"", Subscriptions(venue)[1], StringComparison.Ordinal);
        Assert.Contains("\"btcusdt@aggTrade\"", Subscriptions(venue)[1], StringComparison.Ordinal);

        Assert.True(tracked.Remove(CanonicalSymbol.Parse("BTC-USD")));
        await rig.WaitForAsync(() => Subscriptions(venue).Count == 3, "a subscription after the removal", Patience);
        Assert.DoesNotContain("btcusdt", Subscriptions(venue)[2], StringComparison.Ordinal);
        Assert.Contains("\"solusdt@aggTrade\"", Subscriptions(venue)[2], StringComparison.Ordinal);
        Assert.Equal(3, venue.Connections);
    }

    private static List<string> Subscriptions(FakeVenue venue) =>
        [.. venue.ClientMessages.Where(m => m.Contains("\"SUBSCRIBE\"", StringComparison.Ordinal))];
}
