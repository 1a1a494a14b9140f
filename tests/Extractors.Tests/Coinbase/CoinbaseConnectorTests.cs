using CryptoStreams.Extractors.Coinbase;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Tests.Exchange;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.Coinbase;

/// <summary>
/// Coinbase Exchange against its fake. Documented behaviour pinned here: subscribe with product ids and channels
/// (heartbeat included); <c>match.side</c> is the maker's side; <c>/products/{id}/trades</c> pages backwards through
/// the <c>CB-AFTER</c> header.
/// </summary>
public sealed class CoinbaseConnectorTests : ExchangeConnectorContract
{
    protected override string SubscriptionMarker => "{\"type\":\"subscribe\",\"product_ids\":[\"BTC-USD\"],\"channels\":[\"matches\",\"heartbeat\"]}";

    protected override string FixtureFolder => "coinbase";

    protected override FakeVenue NewVenue() => new FakeCoinbase();

    protected override IChannelFrameParser NewParser() => new CoinbaseFrameParser();

    protected override ExchangeConnector NewConnector(FakeVenue venue, ExchangeConnectorContext context, Action<ExchangeOptions> configure)
    {
        var options = ConnectorRig.AimAt(new CoinbaseOptions { BackfillPageSize = 4 }, venue, ["BTC-USD"]);
        configure(options);
        return new CoinbaseConnector(options, new CoinbaseFrameParser(), context);
    }

    [Fact]
    public async Task Backfill_follows_the_cb_after_cursor_through_several_pages()
    {
        var venue = new FakeCoinbase();
        venue.Plans.Add(new SessionPlan { From = 0, To = 5, End = SessionEnd.Drop });
        venue.Plans.Add(new SessionPlan { From = 18, To = 20 });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 20, "20 trades", Patience);

        Assert.Equal(TapeIds(venue, 0, 20), rig.PublishedIds);
        var cursors = venue.RestRequests.Select(r => r.Request.Query("after")).ToList();
        Assert.Null(cursors[0]);
        Assert.Contains(cursors, c => c is not null);
    }
}
