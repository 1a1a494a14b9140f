using System.Text;
using CryptoStreams.Extractors.CoinGecko;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Recording;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Recording;

public sealed class RecordReplayTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2024, 3, 25, 8, 45, 0, TimeSpan.Zero);

    private readonly TemporaryDirectory _recordings = new();

    private string RecordingPath => _recordings.Path;

    public void Dispose() => _recordings.Dispose();

    [Fact]
    public void Frames_are_written_as_ndjson_per_source_and_read_back_in_receive_order_with_their_bytes()
    {
        var binary = new byte[] { 0x00, 0xff, 0xfe, 0x41 };
        using (var recorder = new FileFrameRecorder(RecordingPath))
        {
            recorder.Record("okx", "ws", "pong"u8, Start.AddSeconds(2));
            recorder.Record("binance", "ws", """{"stream":"btcusdt@aggTrade"}"""u8, Start.AddSeconds(1));
            recorder.Record("binance", "rest:aggTrades", binary, Start.AddSeconds(3));
            recorder.Record("okx", "ws", "ünïcödé"u8, Start.AddSeconds(1));
        }

        Assert.Equal(["binance.ndjson", "okx.ndjson"], Directory.GetFiles(RecordingPath).Select(Path.GetFileName).Order());
        var lines = File.ReadAllLines(Path.Combine(RecordingPath, "binance.ndjson"));
        Assert.Equal(2, lines.Length);
        Assert.Contains("\"text\":", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"base64\":\"AP/+QQ==\"", lines[1], StringComparison.Ordinal);

        var frames = FrameRecordingReader.ReadAll(RecordingPath);

        Assert.Equal(
            [("binance", Start.AddSeconds(1)), ("okx", Start.AddSeconds(1)), ("okx", Start.AddSeconds(2)), ("binance", Start.AddSeconds(3))],
            frames.Select(f => (f.Source, f.ReceivedAt)));
        Assert.Equal(binary, frames[3].Frame);
        Assert.Equal("rest:aggTrades", frames[3].Channel);
        Assert.Equal("ünïcödé", Encoding.UTF8.GetString(frames[1].Frame));
    }

    [Fact]
    public void A_damaged_recording_line_is_reported_with_file_and_line()
    {
        Directory.CreateDirectory(RecordingPath);
        File.WriteAllText(Path.Combine(RecordingPath, "coingecko.ndjson"), "{\"source\":\"coingecko\",\"channel\":\"x\",\"receivedAt\":\"2024-03-25T08:45:00Z\",\"text\":\"{}\"}\n{broken\n");

        var error = Assert.Throws<RecordingFormatException>(() => FrameRecordingReader.ReadAll(RecordingPath));
        Assert.Contains("coingecko.ndjson line 2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Recording_a_live_run_and_replaying_it_gives_the_same_ticks_and_dead_letters()
    {
        var calls = 0;
        await using var server = new LocalHttpServer(_ => Interlocked.Increment(ref calls) switch
        {
            1 => CannedResponse.Fixture("coingecko", "simple_price.json"),
            2 => CannedResponse.Json("{\"bitcoin\":"),
            _ => CannedResponse.Fixture("coingecko", "unknown_coin_and_bad_price.json"),
        });
        var options = new CoinGeckoOptions { BaseUrl = server.BaseUrl };
        var clock = new FakeTimeProvider(Start);
        var live = new MemorySink();
        using (var http = new HttpClient())
        using (var recorder = new FileFrameRecorder(RecordingPath))
        {
            var connector = new CoinGeckoConnector(options, http, recorder, NoSourceHealth.Instance, clock, NullLogger<CoinGeckoConnector>.Instance);
            var waits = new WaitLog();
            connector.Waiting = waits.Add;
            using var cts = new CancellationTokenSource();
            var run = connector.RunAsync(live, cts.Token);
            for (var call = 1; call <= 3; call++)
            {
                await Eventually.HoldsAsync(() => waits.Count == call, $"call {call}");
                if (call < 3)
                {
                    clock.Advance(waits.Waits[call - 1].Wait);
                }
            }

            await cts.CancelAsync();
            await run;
        }

        var replayed = new MemorySink();
        var replayer = new FrameReplayer([new CoinGeckoParser(options.EffectiveCoins())], NullLogger<FrameReplayer>.Instance);
        var summary = await replayer.ReplayAsync(RecordingPath, replayed, CancellationToken.None);

        Assert.Equal(4, live.Ticks.Count);
        Assert.Equal(2, live.DeadLetters.Count);
        Assert.Equal(live.All, replayed.All);
        Assert.Equal(new ReplaySummary(3, 4, 2, 0), summary);
        Assert.Equal(Sources.CoinGecko, replayed.DeadLetters[0].Source);
    }

    [Fact]
    public async Task Frames_of_sources_without_a_parser_are_counted_and_skipped()
    {
        using (var recorder = new FileFrameRecorder(RecordingPath))
        {
            recorder.Record("chainlink", "rpc:latestRoundData", "{}"u8, Start);
        }

        var sink = new MemorySink();
        var summary = await new FrameReplayer([], NullLogger<FrameReplayer>.Instance).ReplayAsync(RecordingPath, sink, CancellationToken.None);

        Assert.Equal(new ReplaySummary(1, 0, 0, 1), summary);
        Assert.Empty(sink.All);
    }
}
