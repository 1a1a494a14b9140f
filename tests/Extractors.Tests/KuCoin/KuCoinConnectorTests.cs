using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.KuCoin;
using CryptoStreams.Extractors.Tests.Exchange;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.KuCoin;

/// <summary>
/// KuCoin against its fake. Documented behaviour pinned here: a token from <c>POST /api/v1/bullet-public</c> is
/// needed for every connect; the socket says <c>welcome</c> before it accepts a subscribe; the client pings at the
/// <c>pingInterval</c> of the token response; match times are nanoseconds; the REST history keeps 100 trades.
/// </summary>
public sealed class KuCoinConnectorTests : ExchangeConnectorContract
{
    protected override string SubscriptionMarker => "\"type\":\"subscribe\",\"topic\":\"/market/match:BTC-USDT\"";

    protected override string FixtureFolder => "kucoin";

    protected override FakeVenue NewVenue() => new FakeKuCoin();

    protected override IChannelFrameParser NewParser() => new KuCoinFrameParser();

    protected override ExchangeConnector NewConnector(FakeVenue venue, ExchangeConnectorContext context, Action<ExchangeOptions> configure)
    {
        var options = ConnectorRig.AimAt(new KuCoinOptions(), venue, ["BTC-USDT"]);
        configure(options);
        return new KuCoinConnector(options, new KuCoinFrameParser(), context);
    }

    [Fact]
    public async Task Every_connect_uses_a_fresh_token_from_bullet_public()
    {
        var venue = new FakeKuCoin();
        venue.Plans.Add(new SessionPlan { From = 0, To = 3, End = SessionEnd.Drop });
        venue.Plans.Add(new SessionPlan { From = 3, To = 6 });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 6, "6 trades", Patience);

        var tokens = venue.WebSocketRequests.Select(r => r.Query("token")).ToList();
        Assert.Equal(["token-1", "token-2"], tokens);
        Assert.Equal("/endpoint", venue.WebSocketRequests.First().Path);
        Assert.All(venue.WebSocketRequests, r => Assert.False(string.IsNullOrEmpty(r.Query("connectId"))));
    }

    [Fact]
    public async Task Pings_follow_the_interval_the_token_response_names()
    {
        var venue = new FakeKuCoin { PingIntervalMs = 150 };
        venue.Plans.Add(new SessionPlan { From = 0, To = 2 });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => venue.PingsAnswered >= 3, "three pings answered", Patience);

        Assert.All(venue.ClientMessages.Where(m => m.Contains("ping", StringComparison.Ordinal)), m => Assert.Contains("\"type\":\"ping\"", m, StringComparison.Ordinal));
        Assert.Equal(1, venue.Connections);
        Assert.Empty(rig.Sink.DeadLetters);
    }

    [Fact]
    public async Task Gap_longer_than_the_kept_history_is_backfilled_partially_and_published_with_candles()
    {
        var venue = new FakeKuCoin();
        venue.Plans.Add(new SessionPlan { From = 0, To = 10, End = SessionEnd.Drop });

        // 140 trades happen during the disconnect; KuCoin's history only keeps the last 100.
        venue.Plans.Add(new SessionPlan { From = 150, To = 155 });
        await using var rig = await StartAsync(venue);

        var last = venue.Tape[154].Id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        await rig.WaitForAsync(() => rig.Sink.Gaps.Count >= 1 && rig.Sink.Ticks.Count > 0 && rig.Sink.Ticks[^1].TradeId == last, "gap and the trades up to the last one", Patience);

        // Trades 10..49 are beyond the 100 KuCoin keeps: they are lost and described by the gap. From the first
        // trade the history still has (50, or later if the new session had streamed more when backfill asked)
        // everything is published once and in order.
        var ids = rig.PublishedIds;
        Assert.Equal(TapeIds(venue, 0, 10), ids.Take(10));
        var resumedAt = venue.Tape.ToList().FindIndex(t => t.Id == ids[10]);
        Assert.InRange(resumedAt, 50, 55);
        Assert.Equal(TapeIds(venue, resumedAt, 155), ids.Skip(10));
        var gap = Assert.Single(rig.Sink.Gaps);
        Assert.Equal(GapCoverage.Partial, gap.Coverage);
        Assert.Equal("BTC-USDT", gap.Symbol);
        Assert.Equal(Sources.KuCoin, gap.Source);
        Assert.Equal(100, gap.Backfilled);
        Assert.Equal(venue.Tape[9].Time, gap.From);
        Assert.Equal(venue.Tape[resumedAt].Time, gap.To);
        Assert.Contains("candles", gap.Detail, StringComparison.Ordinal);
        Assert.Contains(venue.RestRequests, r => r.Request.Path == "/api/v1/market/candles");
        Assert.Equal(1, rig.Status.Gaps);
    }
}
