using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Okx;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>Retry-After is honoured to the second, checked on a fake clock instead of by waiting.</summary>
public sealed class RestGatewayTests
{
    [Fact]
    public async Task Http_429_waits_exactly_the_retry_after_on_the_clock_then_retries_and_records_the_body()
    {
        await using var venue = new FakeOkx { RetryAfterSeconds = 30 };
        venue.RateLimitNextHistoryRequests(1);
        var clock = new FakeTimeProvider(new DateTimeOffset(2024, 11, 25, 12, 0, 0, TimeSpan.Zero));
        var recorder = new RecordingFrameRecorder();
        var rateLimited = 0;
        var options = new OkxOptions { MaxRetryAfter = TimeSpan.FromMinutes(1) };
        using var http = new HttpClient();
        var gateway = new RestGateway(http, options, recorder, "okx", clock, NullLogger.Instance, () => Interlocked.Increment(ref rateLimited));

        var call = gateway.GetAsync(new Uri(venue.HttpBase, "api/v5/market/history-trades?instId=BTC-USDT"), "rest:history-trades:BTC-USDT", CancellationToken.None);
        await Eventually.HoldsAsync(() => Volatile.Read(ref rateLimited) == 1, "the 429 arrived");

        clock.Advance(TimeSpan.FromSeconds(29));
        Assert.False(call.IsCompleted);
        Assert.Single(venue.RestRequests);

        clock.Advance(TimeSpan.FromSeconds(1));
        var response = await call.WaitAsync(TimeSpan.FromSeconds(20));

        Assert.Equal([429, 200], venue.RestRequests.Select(r => r.Status));
        Assert.Equal(response.Body, Assert.Single(recorder.Frames).Frame);
        Assert.Equal("rest:history-trades:BTC-USDT", recorder.Frames[0].Channel);
    }

    [Fact]
    public async Task Retry_after_longer_than_allowed_fails_the_call_at_once()
    {
        await using var venue = new FakeOkx { RetryAfterSeconds = 600 };
        venue.RateLimitNextHistoryRequests(1);
        var options = new OkxOptions { MaxRetryAfter = TimeSpan.FromMinutes(2) };
        using var http = new HttpClient();
        var gateway = new RestGateway(http, options, new RecordingFrameRecorder(), "okx", new FakeTimeProvider(), NullLogger.Instance, () => { });

        var error = await Assert.ThrowsAsync<RestCallException>(() => gateway.GetAsync(new Uri(venue.HttpBase, "api/v5/market/history-trades"), "rest:history-trades:BTC-USDT", CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, error.Status);
        Assert.Contains("MaxRetryAfter", error.Message, StringComparison.Ordinal);
    }
}
