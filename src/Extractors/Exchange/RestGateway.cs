using System.Net;
using System.Net.Http.Headers;
using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Logging;
using Polly;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>A REST response body with its receive time and headers (pagination cursors live in headers).</summary>
public sealed record RestResponse(byte[] Body, DateTimeOffset ReceivedAt, HttpResponseHeaders Headers);

/// <summary>A REST call that cannot succeed now (rate limit longer than allowed, client error, retries exhausted).</summary>
public sealed class RestCallException : Exception
{
    public RestCallException()
    {
    }

    public RestCallException(string message)
        : base(message)
    {
    }

    public RestCallException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public RestCallException(string message, HttpStatusCode? status)
        : base(message) => Status = status;

    public HttpStatusCode? Status { get; }
}

/// <summary>
/// The venue's REST API as the connectors use it: every successful body is recorded, HTTP 429 (and Binance's
/// 418 ban) wait for <c>Retry-After</c>, server errors and transport failures are retried with back-off.
/// </summary>
public sealed class RestGateway
{
    private readonly HttpClient http;
    private readonly ExchangeOptions options;
    private readonly IFrameRecorder recorder;
    private readonly string source;
    private readonly TimeProvider time;
    private readonly ILogger logger;
    private readonly Action onRateLimited;
    private readonly Backoff backoff;
    private readonly ResiliencePipeline<RestResponse> retries;

    internal RestGateway(HttpClient http, ExchangeOptions options, IFrameRecorder recorder, string source, TimeProvider time, ILogger logger, Action onRateLimited)
    {
        this.http = http;
        this.options = options;
        this.recorder = recorder;
        this.source = source;
        this.time = time;
        this.logger = logger;
        this.onRateLimited = onRateLimited;

        // A retried call waits at least 50 ms even when reconnects are configured to be immediate.
        var first = TimeSpan.FromMilliseconds(Math.Max(50, options.ReconnectInitialDelay.TotalMilliseconds));
        backoff = new Backoff(first, options.ReconnectMaxDelay, Jitter: false);
        retries = backoff.Retry<RestResponse>(
            time,
            retry: outcome => outcome.Exception is RetryableRestFailure,
            delay: outcome => (outcome.Exception as RetryableRestFailure)?.RetryAfter,
            attempts: options.RestAttempts);
    }

    public Task<RestResponse> GetAsync(Uri uri, string channel, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, uri, channel, cancellationToken);

    public Task<RestResponse> PostAsync(Uri uri, string channel, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, uri, channel, cancellationToken);

    private async Task<RestResponse> SendAsync(HttpMethod method, Uri uri, string channel, CancellationToken cancellationToken)
    {
        var attempt = 0;
        try
        {
            return await retries.ExecuteAsync(async token => await SendOnceAsync(method, uri, channel, ++attempt, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        }
        catch (RetryableRestFailure)
        {
            throw new RestCallException($"{uri.AbsolutePath} failed {attempt} times");
        }
    }

    private async Task<RestResponse> SendOnceAsync(HttpMethod method, Uri uri, string channel, int attempt, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.RestTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            using var request = new HttpRequestMessage(method, uri);
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, linked.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsByteArrayAsync(linked.Token).ConfigureAwait(false);
                var receivedAt = time.GetUtcNow();
                recorder.Record(source, channel, body, receivedAt);
                return new RestResponse(body, receivedAt, response.Headers);
            }

            if (status is 429 or 418)
            {
                var wait = RetryAfter(response) ?? backoff.Step(attempt, Random.Shared);
                if (wait > options.MaxRetryAfter)
                {
                    throw new RestCallException($"rate limited by {uri.AbsolutePath} for {wait}, longer than MaxRetryAfter {options.MaxRetryAfter}", response.StatusCode);
                }

                onRateLimited();
                logger.RateLimited(source, uri.AbsolutePath, status, wait);
                throw new RetryableRestFailure(wait);
            }

            if (status >= 500)
            {
                logger.RestFailed(source, uri.AbsolutePath, attempt, $"HTTP {status}");
                throw new RetryableRestFailure(null);
            }

            throw new RestCallException($"{uri.AbsolutePath} answered HTTP {status}", response.StatusCode);
        }
        catch (HttpRequestException ex)
        {
            logger.RestFailed(source, uri.AbsolutePath, attempt, ex.Message);
            throw new RetryableRestFailure(null);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            logger.RestFailed(source, uri.AbsolutePath, attempt, $"no answer within {options.RestTimeout}");
            throw new RetryableRestFailure(null);
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var delay = date - time.GetUtcNow();
            return delay > TimeSpan.Zero ? delay : TimeSpan.Zero;
        }

        return null;
    }
}

/// <summary>One failed attempt worth another (429 with its Retry-After, 5xx, transport error, timeout).</summary>
internal sealed class RetryableRestFailure(TimeSpan? retryAfter) : Exception("retryable REST failure")
{
    public TimeSpan? RetryAfter { get; } = retryAfter;
}
