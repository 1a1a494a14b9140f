using System.Text;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>
/// Behaviour every exchange connector shares, run against each venue's fake server: subscribe, publish each
/// trade once and in order, survive a dropped connection by backfilling from REST, honour Retry-After, treat
/// silence as a dead socket, send bad payloads to the dead-letter sink without dropping the connection, and
/// publish exactly what the parser makes of recorded payloads.
/// </summary>
public abstract class ExchangeConnectorContract
{
    protected static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>A fresh fake venue (started).</summary>
    protected abstract FakeVenue NewVenue();

    /// <summary>The venue's connector pointed at the fake, with the test's option changes applied.</summary>
    protected abstract ExchangeConnector NewConnector(FakeVenue venue, ExchangeConnectorContext context, Action<ExchangeOptions> configure);

    protected abstract IChannelFrameParser NewParser();

    /// <summary>Text the client's subscribe message must contain.</summary>
    protected abstract string SubscriptionMarker { get; }

    /// <summary>The venue folder under tests/fixtures.</summary>
    protected abstract string FixtureFolder { get; }

    protected async Task<ConnectorRig> StartAsync(FakeVenue venue, Action<ExchangeOptions>? configure = null)
    {
        var rig = new ConnectorRig(venue);
        rig.Start(NewConnector(venue, rig.Context, options => configure?.Invoke(options)));
        await Task.CompletedTask;
        return rig;
    }

    protected static IReadOnlyList<long> TapeIds(FakeVenue venue, int from, int to) => [.. venue.Tape.Skip(from).Take(to - from).Select(t => t.Id)];

    [Fact]
    public async Task Subscribes_then_publishes_each_streamed_trade_once_in_order()
    {
        var venue = NewVenue();
        venue.Plans.Add(new SessionPlan { From = 0, To = 20 });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 20, "20 trades published", Patience);

        Assert.Equal(TapeIds(venue, 0, 20), rig.PublishedIds);
        Assert.Contains(venue.ClientMessages, m => m.Contains(SubscriptionMarker, StringComparison.Ordinal));
        var first = venue.Tape[0];
        var tick = rig.Sink.Ticks[0];
        Assert.Equal(NewParser().Source, tick.Source);
        Assert.Equal(TickKind.Trade, tick.Kind);
        Assert.Equal(venue.Symbol, tick.Symbol);
        Assert.Equal(first.Price, tick.Price);
        Assert.Equal(first.Size, tick.Size);
        Assert.Equal(first.TakerBuys ? TradeSide.Buy : TradeSide.Sell, tick.Side);
        Assert.Equal(first.Time, tick.EventTime);
        Assert.True(rig.Status.Connected);
        Assert.Equal(20, rig.Status.Ticks);
        Assert.Equal(1, venue.Connections);
    }

    [Fact]
    public async Task Drop_mid_stream_then_reconnect_backfills_the_missed_trades_without_duplicates()
    {
        var venue = NewVenue();

        // The second session starts 15 trades later and first repeats two trades the client already has,
        // as OKX and Coinbase do right after a subscribe.
        venue.Plans.Add(new SessionPlan { From = 0, To = 30, End = SessionEnd.Drop });
        venue.Plans.Add(new SessionPlan { From = 45, To = 60, FramesBefore = [venue.TradeFrame(venue.Tape[28]), venue.TradeFrame(venue.Tape[29])] });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 60, "all 60 trades published", Patience);

        Assert.Equal(TapeIds(venue, 0, 60), rig.PublishedIds);
        Assert.Equal(2, venue.Connections);
        Assert.Empty(rig.Sink.Gaps);
        // At least the 15 missed trades come from REST; the history may already hold some the new session streams too.
        Assert.True(rig.Status.Backfilled >= 15, $"backfilled {rig.Status.Backfilled}");
        Assert.True(rig.Status.Reconnects >= 1);
        Assert.True(rig.Status.Duplicates >= 2, $"the repeated trades 28 and 29 are recognised (duplicates: {rig.Status.Duplicates})");
    }

    [Fact]
    public async Task Rate_limited_history_waits_for_retry_after_then_backfills()
    {
        var venue = NewVenue();
        venue.RetryAfterSeconds = 1;
        venue.RateLimitNextHistoryRequests(1);
        venue.Plans.Add(new SessionPlan { From = 0, To = 10, End = SessionEnd.Drop });
        venue.Plans.Add(new SessionPlan { From = 20, To = 25 });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 25, "all 25 trades published", Patience);

        Assert.Equal(TapeIds(venue, 0, 25), rig.PublishedIds);
        var history = venue.RestRequests.Where(r => r.Status is 429 or 200 && !r.Request.Path.Contains("bullet", StringComparison.Ordinal)).ToList();
        Assert.Equal(429, history[0].Status);
        Assert.True(history.Count >= 2);

        // Lower bound only: the retry must not come before the venue allowed it.
        Assert.True(history[1].At - history[0].At >= TimeSpan.FromSeconds(0.9), $"retried after {(history[1].At - history[0].At).TotalMilliseconds} ms");
        Assert.Equal(1, rig.Status.RateLimitWaits);
        Assert.Empty(rig.Sink.Gaps);
    }

    [Fact]
    public async Task Stalled_socket_is_treated_as_a_disconnect_and_reconnected()
    {
        var venue = NewVenue();
        venue.Plans.Add(new SessionPlan { From = 0, To = 5, End = SessionEnd.GoSilent });

        // A loaded machine can starve the reader past a short stall timeout, so a healthy session may be cut too;
        // the sessions after it stream the same trades again (the ledger drops what was already published).
        for (var spare = 0; spare < 4; spare++)
        {
            venue.Plans.Add(new SessionPlan { From = 5, To = 10 });
        }

        await using var rig = await StartAsync(venue, o => o.StallTimeout = TimeSpan.FromSeconds(1));

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 10, "trades of the second session published", Patience);

        Assert.Equal(TapeIds(venue, 0, 10), rig.PublishedIds);
        Assert.True(venue.Connections >= 2);
        Assert.Contains("stalled", rig.Status.LastError ?? string.Empty, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_payloads_go_to_dead_letters_and_the_connection_stays_up()
    {
        var venue = NewVenue();
        const string truncated = "{\"type\":\"match\",\"price\":\"9";
        var negative = venue.TradeFrame(venue.Tape[3] with { Id = 42, Price = -5m });
        venue.Plans.Add(new SessionPlan { From = 0, To = 10, FramesBefore = [truncated, negative] });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(() => rig.Sink.Ticks.Count >= 10 && rig.Sink.DeadLetters.Count >= 2, "trades and dead letters published", Patience);

        Assert.Equal(TapeIds(venue, 0, 10), rig.PublishedIds);
        var letters = rig.Sink.DeadLetters;
        Assert.All(letters, l => Assert.Equal("extractors", l.Stage));
        Assert.All(letters, l => Assert.Equal(NewParser().Source, l.Source));
        Assert.Equal(Encoding.UTF8.GetBytes(truncated), letters[0].Payload);
        Assert.Equal(RejectReasons.Malformed, letters[0].Reason);
        Assert.Equal(Encoding.UTF8.GetBytes(negative), letters[1].Payload);
        Assert.Equal(RejectReasons.InvalidPrice, letters[1].Reason);
        Assert.Equal(1, venue.Connections);
        Assert.Equal(2, rig.Status.DeadLetters);
    }

    [Fact]
    public async Task Recorded_payloads_replayed_by_the_server_publish_what_the_parser_reads_and_every_frame_is_recorded()
    {
        var frames = Fixtures.WebSocketFrames(FixtureFolder);
        var parser = NewParser();
        var expected = frames.Select(f => parser.Parse(Encoding.UTF8.GetBytes(f), DateTimeOffset.UnixEpoch)).ToList();
        var expectedTicks = expected.SelectMany(r => r.Ticks).Select(t => t with { ReceiveTime = default }).ToList();
        var expectedRejected = expected.Count(r => r.IsRejected);
        Assert.True(expectedTicks.Count >= 3, "the fixture holds trades");

        var venue = NewVenue();
        venue.Plans.Add(new SessionPlan { FramesBefore = frames });
        await using var rig = await StartAsync(venue);

        await rig.WaitForAsync(
            () => rig.Sink.Ticks.Count >= expectedTicks.Count && rig.Sink.DeadLetters.Count >= expectedRejected,
            "every fixture trade published",
            Patience);

        Assert.Equal(expectedTicks, rig.Sink.Ticks.Select(t => t with { ReceiveTime = default }));
        var recorded = rig.Recorder.Frames.Where(f => f.Channel == FrameChannels.WebSocket).Select(f => Encoding.UTF8.GetString(f.Frame)).ToHashSet();
        Assert.All(frames, f => Assert.Contains(f, recorded));
        Assert.All(rig.Recorder.Frames, f => Assert.Equal(parser.Source, f.Source));
    }
}
