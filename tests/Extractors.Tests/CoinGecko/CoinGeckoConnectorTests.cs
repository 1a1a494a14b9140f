using CryptoStreams.Extractors.CoinGecko;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.CoinGecko;

public sealed class CoinGeckoConnectorTests
{
    private static readonly DateTimeOffset Start = new(2024, 3, 25, 8, 45, 0, TimeSpan.Zero);

    private static (CoinGeckoConnector Connector, WaitLog Waits, FakeTimeProvider Clock, HttpClient Http) Connector(Uri baseUrl, Action<CoinGeckoOptions>? configure = null)
    {
        var options = new CoinGeckoOptions { BaseUrl = baseUrl };
        configure?.Invoke(options);
        var clock = new FakeTimeProvider(Start);
        var http = new HttpClient();
        var connector = new CoinGeckoConnector(options, http, new NoFrameRecorder(), NoSourceHealth.Instance, clock, NullLogger<CoinGeckoConnector>.Instance);
        var waits = new WaitLog();
        connector.Waiting = waits.Add;
        return (connector, waits, clock, http);
    }

    [Fact]
    public async Task Polls_every_coin_in_one_call_with_the_demo_key_and_again_after_the_interval()
    {
        await using var server = new LocalHttpServer(_ => CannedResponse.Fixture("coingecko", "simple_price.json"));
        var (connector, waits, clock, http) = Connector(server.BaseUrl, o => o.DemoApiKey = "CG-demo-key");
        using var _ = http;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first poll done");
        Assert.Equal((TimeSpan.FromSeconds(60), "next-call"), waits.Waits[0]);
        var request = Assert.Single(server.Requests);
        Assert.Equal("/api/v3/simple/price?ids=bitcoin%2Cchainlink%2Cethereum&vs_currencies=usd&include_last_updated_at=true", request.PathAndQuery);
        Assert.Equal("CG-demo-key", request.Headers["x-cg-demo-api-key"]);
        Assert.Equal(3, sink.Ticks.Count);
        Assert.All(sink.Ticks, t => Assert.Equal(Start, t.ReceiveTime));

        clock.Advance(TimeSpan.FromSeconds(60));
        await Eventually.HoldsAsync(() => waits.Count == 2, "second poll done");
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(6, sink.Ticks.Count);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Http_429_waits_as_long_as_Retry_After_says_then_polls_again()
    {
        var calls = 0;
        await using var server = new LocalHttpServer(_ => Interlocked.Increment(ref calls) == 1
            ? CannedResponse.Fixture("coingecko", "rate_limited.json", 429) with { Headers = new Dictionary<string, string> { ["Retry-After"] = "120" } }
            : CannedResponse.Fixture("coingecko", "simple_price.json"));
        var (connector, waits, clock, http) = Connector(server.BaseUrl);
        using var _ = http;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "rate-limited call done");
        Assert.Equal((TimeSpan.FromSeconds(120), "rate-limited"), waits.Waits[0]);
        Assert.Empty(sink.All);

        clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Single(server.Requests);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Eventually.HoldsAsync(() => waits.Count == 2, "call after Retry-After done");
        Assert.Equal(2, server.Requests.Count);
        Assert.Equal(3, sink.Ticks.Count);
        Assert.Equal((TimeSpan.FromSeconds(60), "next-call"), waits.Waits[1]);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_bad_payload_goes_to_the_dead_letter_topic_with_its_bytes_and_polling_goes_on()
    {
        var garbage = "<html>502 Bad Gateway</html>"u8.ToArray();
        var calls = 0;
        await using var server = new LocalHttpServer(_ => Interlocked.Increment(ref calls) == 1
            ? new CannedResponse(200, garbage)
            : CannedResponse.Fixture("coingecko", "simple_price.json"));
        var (connector, waits, clock, http) = Connector(server.BaseUrl);
        using var _ = http;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first poll done");
        var letter = Assert.Single(sink.DeadLetters);
        Assert.Equal("extractors", letter.Stage);
        Assert.Equal(Sources.CoinGecko, letter.Source);
        Assert.Equal("unparseable", letter.Reason);
        Assert.Equal(garbage, letter.Payload);
        Assert.Equal(Start, letter.Time);

        clock.Advance(waits.Waits[0].Wait);
        await Eventually.HoldsAsync(() => sink.Ticks.Count == 3, "next poll publishes ticks");
        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Server_errors_back_off_exponentially_and_report_the_source_unreachable()
    {
        await using var server = new LocalHttpServer(_ => CannedResponse.Json("{}", 503));
        var options = new CoinGeckoOptions { BaseUrl = server.BaseUrl, UnreachableAfterFailures = 2 };
        var clock = new FakeTimeProvider(Start);
        using var http = new HttpClient();
        var health = new HealthLog();
        var connector = new CoinGeckoConnector(options, http, new NoFrameRecorder(), health, clock, NullLogger<CoinGeckoConnector>.Instance);
        var waits = new WaitLog();
        connector.Waiting = waits.Add;
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(new MemorySink(), cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first failure");
        clock.Advance(waits.Waits[0].Wait);
        await Eventually.HoldsAsync(() => waits.Count == 2, "second failure");

        Assert.Equal([(TimeSpan.FromSeconds(60), "backoff"), (TimeSpan.FromSeconds(120), "backoff")], waits.Waits);
        Assert.Equal(["disconnected coingecko: HTTP 503 Service Unavailable", "unreachable coingecko: HTTP 503 Service Unavailable"], health.Events);
        await cts.CancelAsync();
        await run;
    }
}
