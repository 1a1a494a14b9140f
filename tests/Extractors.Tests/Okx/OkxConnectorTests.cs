using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Okx;
using CryptoStreams.Extractors.Tests.Exchange;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.Okx;

/// <summary>
/// OKX against its fake. Documented behaviour pinned here: subscribe with <c>op</c>/<c>args</c>; the text
/// <c>ping</c> is expected when the connection has been silent (OKX closes it after 30 s) and answered by
/// <c>pong</c>; right after a subscribe the latest trade may be pushed again and must not count as new;
/// history-trades pages backwards by trade id.
/// </summary>
public sealed class OkxConnectorTests : ExchangeConnectorContract
{
    protected override string SubscriptionMarker => "{\"op\":\"subscribe\",\"args\":[{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"}]}";

    protected override string FixtureFolder => "okx";

    protected override FakeVenue NewVenue() => new FakeOkx();

    protected override IChannelFrameParser NewParser() => new OkxFrameParser();

    protected override ExchangeConnector NewConnector(FakeVenue venue, ExchangeConnectorContext context, Action<ExchangeOptions> configure)
    {
        var options = ConnectorRig.AimAt(new OkxOptions { BackfillPageSize = 4 }, venue, ["BTC-USDT"], "ws/v5/public");
        configure(options);
        return new OkxConnector(options, new OkxFrameParser(), context);
    }

    [Fact]
    public async Task Silence_makes_the_client_ping_and_the_pong_keeps_the_connection()
    {
        var venue = new FakeOkx();
        venue.Plans.Add(new SessionPlan { From = 0, To = 3 });
        await using var rig = await StartAsync(venue, o =>
        {
            ((OkxOptions)o).PingAfterSilence = TimeSpan.FromMilliseconds(150);
            o.StallTimeout = TimeSpan.FromSeconds(5);
        });

        await rig.WaitForAsync(() => venue.PingsAnswered >= 3, "three pings answered", Patience);

        Assert.Equal(3, venue.ClientMessages.Count(m => m == "ping") >= 3 ? 3 : 0);
        Assert.Equal(1, venue.Connections);
        Assert.Empty(rig.Sink.DeadLetters);
        Assert.Equal(TapeIds(venue, 0, 3), rig.PublishedIds);
    }

    [Fact]
    public async Task Old_trade_pushed_after_a_resubscribe_is_not_published_again()
    {
        var venue = new FakeOkx();
        venue.Plans.Add(new SessionPlan { From = 0, To = 8, End = SessionEnd.Drop });

        // After the reconnect OKX pushes the latest trade the client already has, then the new ones.
        venue.Plans.Add(new SessionPlan { From = 8, To = 12, FramesBefore = [venue.TradeFrame(venue.Tape[7])] });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 12, "12 trades", Patience);

        Assert.Equal(TapeIds(venue, 0, 12), rig.PublishedIds);
        Assert.True(rig.Status.Duplicates >= 1);
    }
}
