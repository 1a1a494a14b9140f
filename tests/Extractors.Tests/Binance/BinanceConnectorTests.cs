using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Tests.Exchange;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.Binance;

/// <summary>
/// Binance against its fake. Documented behaviour pinned here: SUBSCRIBE on /stream with an id that is echoed;
/// WebSocket ping frames must be answered with a pong carrying the same payload; <c>serverShutdown</c> announces
/// maintenance; connections are cut after 24 h; aggTrade ids are contiguous so <c>fromId</c> backfill is exact.
/// </summary>
public sealed class BinanceConnectorTests : ExchangeConnectorContract
{
    protected override string SubscriptionMarker => "\"method\":\"SUBSCRIBE\",\"params\":[\"btcusdt@aggTrade\"]";

    protected override string FixtureFolder => "binance";

    protected override FakeVenue NewVenue() => new FakeBinance();

    protected override IChannelFrameParser NewParser() => new BinanceFrameParser();

    protected override ExchangeConnector NewConnector(FakeVenue venue, ExchangeConnectorContext context, Action<ExchangeOptions> configure)
    {
        // Small pages so a 15-trade gap takes several fromId requests.
        var options = ConnectorRig.AimAt(new BinanceOptions { BackfillPageSize = 7 }, venue, ["BTC-USDT"]);
        configure(options);
        return new BinanceConnector(options, new BinanceFrameParser(), context);
    }

    [Fact]
    public async Task Connects_to_the_combined_stream_endpoint()
    {
        var venue = new FakeBinance();
        venue.Plans.Add(new SessionPlan { From = 0, To = 1 });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 1, "a trade", Patience);

        Assert.Equal("/stream", Assert.Single(venue.WebSocketRequests).Path);
    }

    [Fact]
    public async Task Server_ping_frames_are_answered_with_pongs_carrying_the_same_payload()
    {
        var venue = new FakeBinance();
        venue.Plans.Add(new SessionPlan { From = 0, To = 5, PingFrames = 3 });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => venue.Sockets.Sum(s => s.Pongs.Count) >= 3, "three pongs", Patience);

        var pongs = venue.Sockets.Single().Pongs.Select(p => Convert.ToHexString(p)).ToList();
        Assert.Equal(["7000", "7001", "7002"], pongs);
        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 5, "trades after the pings", Patience);
        Assert.Equal(1, venue.Connections);
    }

    [Fact]
    public async Task Server_shutdown_event_triggers_an_immediate_reconnect_and_backfill()
    {
        var venue = new FakeBinance();
        venue.Plans.Add(new SessionPlan { From = 0, To = 10, FramesAfter = ["""{"e":"serverShutdown","E":1732537400000}"""] });
        venue.Plans.Add(new SessionPlan { From = 14, To = 20 });
        await using var rig = await StartAsync(venue, o => o.ReconnectInitialDelay = TimeSpan.FromMinutes(5));

        // With a five-minute back-off, only a planned reconnect can happen within the test.
        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 20, "all 20 trades", Patience);

        Assert.Equal(TapeIds(venue, 0, 20), rig.PublishedIds);
        Assert.Equal(2, venue.Connections);
        Assert.Null(rig.Status.LastError);
        Assert.Empty(rig.Sink.DeadLetters);
    }

    [Fact]
    public async Task Session_is_renewed_before_the_venue_cuts_it()
    {
        var venue = new FakeBinance();
        venue.Plans.Add(new SessionPlan { From = 0, To = 5 });
        venue.Plans.Add(new SessionPlan { From = 5, To = 10 });
        await using var rig = await StartAsync(venue, o =>
        {
            o.MaxSessionLifetime = TimeSpan.FromMilliseconds(800);
            o.ReconnectInitialDelay = TimeSpan.FromMinutes(5);
        });

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 10, "trades of the renewed session", Patience);

        Assert.Equal(TapeIds(venue, 0, 10), rig.PublishedIds);
        Assert.True(venue.Connections >= 2);
    }

    [Fact]
    public async Task Failed_backfill_publishes_a_gap_with_the_missed_range_and_live_trades_continue()
    {
        var venue = new FakeBinance();
        venue.Plans.Add(new SessionPlan { From = 0, To = 10, End = SessionEnd.Drop });
        venue.Plans.Add(new SessionPlan { From = 20, To = 30 });

        // A REST base the venue does not serve: every history request is a 404.
        await using var rig = await StartAsync(venue, o => o.RestUrl = new Uri(venue.HttpBase, "nowhere/").ToString());

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 20 && rig.Sink.Gaps.Count >= 1, "live trades and a gap", Patience);
        var waited = TimeProvider.System.GetUtcNow();

        Assert.Equal([.. TapeIds(venue, 0, 10), .. TapeIds(venue, 20, 30)], rig.PublishedIds);
        var gap = Assert.Single(rig.Sink.Gaps);
        Assert.Equal(Schema.GapCoverage.None, gap.Coverage);
        Assert.Equal(0, gap.Backfilled);
        Assert.Equal(venue.Tape[9].Time, gap.From);

        // The hole ends at the first live trade after the reconnect when that trade came while the backfill was
        // still trying; when the 404 came first (a race on a loaded machine), at the moment the backfill gave up.
        if (gap.To != venue.Tape[20].Time)
        {
            Assert.InRange(gap.To, rig.Sink.Ticks[9].ReceiveTime, waited);
        }
        Assert.Contains("404", gap.Detail, StringComparison.Ordinal);
    }
}
