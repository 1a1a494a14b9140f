using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Chainlink;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.Recording;
using CryptoStreams.Extractors.Tests.Chainlink;
using CryptoStreams.Extractors.Tests.Exchange;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Recording;

/// <summary>
/// <c>cryptostreams replay</c> of frames that are not trades or quotes: Chainlink's <c>eth_call</c> answers replay
/// into the same oracle rounds (and dead letters) as the live run, and the exchanges' scheduled-job answers replay
/// into the same venue candles; replaying twice gives the same records twice.
/// </summary>
public sealed class NonTickReplayTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2024, 3, 25, 9, 0, 0, TimeSpan.Zero);

    private readonly TemporaryDirectory _recordings = new();

    private string RecordingPath => _recordings.Path;

    public void Dispose() => _recordings.Dispose();

    [Fact]
    public async Task Recorded_Chainlink_answers_replay_into_the_oracle_rounds_and_dead_letters_of_the_live_run_every_time()
    {
        var ethereum = new ChainlinkConnectorTests.FakeEthereum();
        ethereum.Script(ChainlinkConnectorTests.BtcFeed, "btc_usd_round_8726.json", "btc_usd_round_8726.json", "btc_usd_round_8727.json");
        ethereum.Script(ChainlinkConnectorTests.EthFeed, "eth_usd_round_9531.json", "truncated_result.json", "eth_usd_round_9531.json");
        ethereum.Script(ChainlinkConnectorTests.LinkFeed, "link_usd_round_33421.json");
        await using var server = new LocalHttpServer(ethereum.Answer);
        var clock = new FakeTimeProvider(Start);
        var live = new MemorySink();
        using (var http = new HttpClient())
        using (var recorder = new FileFrameRecorder(RecordingPath))
        {
            var connector = new ChainlinkConnector(new ChainlinkOptions { RpcUrl = server.BaseUrl }, http, recorder, NoSourceHealth.Instance, clock, NullLogger<ChainlinkConnector>.Instance);
            var waits = new WaitLog();
            connector.Waiting = waits.Add;
            using var stop = new CancellationTokenSource();
            var run = connector.RunAsync(live, stop.Token);
            for (var poll = 1; poll <= 3; poll++)
            {
                await Eventually.HoldsAsync(() => waits.Count == poll, $"poll {poll}");
                clock.Advance(waits.Waits[^1].Wait);
            }

            await stop.CancelAsync();
            await run;
        }

        Assert.Equal(4, live.Rounds.Count);
        Assert.Single(live.DeadLetters);

        var replayer = Replayer();
        var first = new MemorySink();
        var summary = await replayer.ReplayAsync(RecordingPath, first, CancellationToken.None);
        var second = new MemorySink();
        await replayer.ReplayAsync(RecordingPath, second, CancellationToken.None);

        Assert.Equal(live.Rounds, first.Rounds);
        Assert.Equal(live.Rounds, second.Rounds);
        Assert.Equal(
            live.DeadLetters.Select(d => (d.Source, d.Reason, d.Error, Convert.ToHexString(d.Payload), d.Time)),
            first.DeadLetters.Select(d => (d.Source, d.Reason, d.Error, Convert.ToHexString(d.Payload), d.Time)));
        Assert.Empty(first.Ticks);

        // 3 decimals() answers and 9 latestRoundData() answers; 4 new rounds, 1 undecodable answer.
        Assert.Equal(new ReplaySummary(12, 0, 1, 0, 4), summary);
    }

    [Fact]
    public async Task Chainlink_frames_recorded_without_their_feed_in_the_channel_are_counted_and_skipped()
    {
        using (var recorder = new FileFrameRecorder(RecordingPath))
        {
            recorder.Record(Sources.Chainlink, "rpc:latestRoundData", Fixtures.Rest("chainlink", "btc_usd_round_8726.json"), Start);
        }

        var sink = new MemorySink();
        var summary = await Replayer().ReplayAsync(RecordingPath, sink, CancellationToken.None);

        Assert.Equal(new ReplaySummary(1, 0, 0, 1, 0), summary);
        Assert.Empty(sink.All);
    }

    [Fact]
    public async Task Recorded_candle_backfill_answers_replay_into_the_same_venue_candles_and_instrument_lists_into_nothing()
    {
        await using var fake = new FakeBinance();
        fake.ReferenceAnswers["/api/v3/exchangeInfo"] = new HttpReply(200, System.Text.Encoding.UTF8.GetString(Fixtures.Rest(Sources.Binance, "rest-exchangeInfo.json")));
        fake.ReferenceAnswers["/api/v3/klines"] = new HttpReply(200, System.Text.Encoding.UTF8.GetString(Fixtures.Rest(Sources.Binance, "rest-klines-BTCUSDT.json")));
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 11, 25, 12, 22, 30, TimeSpan.Zero));
        var options = new BinanceOptions { RestUrl = fake.HttpBase.ToString(), WebSocketUrl = fake.WebSocketBase.ToString() };
        options.Symbols.Add("BTC-USDT");
        var live = new MemorySink();
        using (var http = new HttpClient())
        using (var recorder = new FileFrameRecorder(RecordingPath))
        {
            var context = new ExchangeJobContext(http, recorder, new ExchangeStatusBoard(), clock, NullLoggerFactory.Instance);
            var instruments = new VenueInstruments();
            await new InstrumentRefreshJob(new BinanceReferenceApi(), options, context, instruments, new StreamedSymbols(options, null)).RunAsync(live, CancellationToken.None);
            var backfill = new CandleBackfillJob(new BinanceReferenceApi(), options, context, instruments, new StreamedSymbols(options, null), count: 60);
            await backfill.RunAsync(live, CancellationToken.None);
            clock.Advance(TimeSpan.FromHours(1));
            await backfill.RunAsync(live, CancellationToken.None);
        }

        Assert.Equal(5, live.Candles.Count);

        // Replay runs years later by the system clock: what was still open is decided by the recorded receive time.
        var replayer = Replayer();
        var replayed = new MemorySink();
        var summary = await replayer.ReplayAsync(RecordingPath, replayed, CancellationToken.None);

        Assert.Equal(live.Candles, replayed.Candles);
        Assert.Equal(new ReplaySummary(3, 0, 0, 0, 5), summary);
    }

    /// <summary>The replayer as <c>cryptostreams replay</c> composes it.</summary>
    private static FrameReplayer Replayer() =>
        new ServiceCollection().AddExtractorReplay(new ConfigurationBuilder().Build()).BuildServiceProvider().GetRequiredService<FrameReplayer>();
}
