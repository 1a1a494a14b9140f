using CryptoStreams.Extractors.CoinGecko;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.CoinGecko;

/// <summary>A change of the tracked symbols reaches a running price poller on its next call.</summary>
public sealed class CoinGeckoTrackedSymbolsTests
{
    [Fact]
    public async Task The_next_poll_asks_for_a_coin_whose_asset_was_added_and_not_for_one_removed()
    {
        await using var server = new LocalHttpServer(_ => CannedResponse.Fixture("coingecko", "simple_price.json"));
        var options = new CoinGeckoOptions { BaseUrl = server.BaseUrl };
        options.Coins["bitcoin"] = "BTC";
        options.Coins["solana"] = "SOL";
        var tracked = new TrackedSymbols(["BTC-USD"]);
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 3, 25, 8, 45, 0, TimeSpan.Zero));
        using var http = new HttpClient();
        var connector = new CoinGeckoConnector(options, http, new NoFrameRecorder(), NoSourceHealth.Instance, clock, NullLogger<CoinGeckoConnector>.Instance, tracked);
        var waits = new WaitLog();
        connector.Waiting = waits.Add;
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(new MemorySink(), cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first poll done");
        Assert.StartsWith("/api/v3/simple/price?ids=bitcoin&", server.Requests[^1].PathAndQuery, StringComparison.Ordinal);

        tracked.Add(CanonicalSymbol.Parse("SOL-USD"));
        tracked.Remove(CanonicalSymbol.Parse("BTC-USD"));
        clock.Advance(TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(() => waits.Count == 2, "second poll done");
        Assert.StartsWith("/api/v3/simple/price?ids=solana&", server.Requests[^1].PathAndQuery, StringComparison.Ordinal);

        await cts.CancelAsync();
        await run;
    }
}
