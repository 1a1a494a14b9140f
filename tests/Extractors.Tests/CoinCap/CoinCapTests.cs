using CryptoStreams.Extractors.CoinCap;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.CoinCap;

public sealed class CoinCapTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 24, 9, 55, 40, TimeSpan.Zero);

    private static readonly CoinCapParser Parser = new(new CoinCapOptions().EffectiveCoins());

    private static byte[] Fixture(string name) => Exchange.Fixtures.Rest("coincap", name);

    [Fact]
    public void Assets_response_gives_exact_quotes_with_the_response_timestamp_as_event_time()
    {
        var result = Parser.Parse(Fixture("assets.json"), Start);

        Assert.False(result.IsRejected);
        var bySymbol = result.Ticks.ToDictionary(t => t.Symbol);
        Assert.Equal(86896.0935129875327416m, bySymbol["BTC-USD"].Price);
        Assert.Equal(2075.6653440016451283m, bySymbol["ETH-USD"].Price);
        Assert.Equal(14.8582549618637745m, bySymbol["LINK-USD"].Price);
        Assert.All(result.Ticks, t => Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1742810134912), t.EventTime));
        Assert.All(result.Ticks, t => Assert.Equal(Sources.CoinCap, t.Source));
    }

    [Fact]
    public void Unauthorized_body_is_an_api_error() =>
        Assert.Equal("api-error", Parser.Parse(Fixture("unauthorized.json"), Start).RejectReason);

    [Fact]
    public async Task Without_an_api_key_the_source_stays_off_says_why_and_calls_nothing()
    {
        await using var server = new LocalHttpServer(_ => CannedResponse.Fixture("coincap", "assets.json"));
        using var http = new HttpClient();
        var health = new HealthLog();
        var connector = new CoinCapConnector(new CoinCapOptions { BaseUrl = server.BaseUrl }, http, new NoFrameRecorder(), health, new FakeTimeProvider(Start), NullLogger<CoinCapConnector>.Instance);

        await connector.RunAsync(new MemorySink(), CancellationToken.None);

        var off = Assert.Single(health.Events);
        Assert.StartsWith("off coincap: no API key", off, StringComparison.Ordinal);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task With_a_key_it_authenticates_with_a_bearer_token_and_publishes_quotes()
    {
        await using var server = new LocalHttpServer(r => r.Headers.TryGetValue("Authorization", out var auth) && auth == "Bearer test-key"
            ? CannedResponse.Fixture("coincap", "assets.json")
            : CannedResponse.Fixture("coincap", "unauthorized.json", 401));
        using var http = new HttpClient();
        var connector = new CoinCapConnector(new CoinCapOptions { BaseUrl = server.BaseUrl, ApiKey = "test-key" }, http, new NoFrameRecorder(), NoSourceHealth.Instance, new FakeTimeProvider(Start), NullLogger<CoinCapConnector>.Instance);
        var waits = new WaitLog();
        connector.Waiting = waits.Add;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first poll done");
        await cts.CancelAsync();
        await run;

        Assert.Equal("/v3/assets?ids=bitcoin%2Cchainlink%2Cethereum", Assert.Single(server.Requests).PathAndQuery);
        Assert.Equal(3, sink.Ticks.Count);
        Assert.Empty(sink.DeadLetters);
    }
}
