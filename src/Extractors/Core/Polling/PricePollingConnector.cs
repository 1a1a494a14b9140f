using System.Net;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Core.Polling;

/// <summary>
/// The polling loop shared by the REST price APIs: one HTTP call at a time, spaced so the API's limits hold;
/// HTTP 429 waits as long as Retry-After says; failures back off exponentially and are reported; every response
/// body is recorded and goes through the source's <see cref="IFrameParser"/> (the same one replay uses).
/// </summary>
public abstract partial class PricePollingConnector : ISourceConnector
{
    // Never wait longer than this, whatever a Retry-After header claims.
    private static readonly TimeSpan LongestRetryAfter = TimeSpan.FromHours(1);

    private readonly PriceApiOptions _options;
    private readonly IFrameParser _parser;
    private readonly HttpClient _http;
    private readonly IFrameRecorder _recorder;
    private readonly ISourceHealth _health;
    private readonly ILogger _logger;
    private readonly TrackedSymbols? _tracked;
    private readonly IReadOnlyDictionary<string, string> _coins;

    protected PricePollingConnector(
        PriceApiOptions options,
        IFrameParser parser,
        HttpClient http,
        IFrameRecorder recorder,
        ISourceHealth health,
        TimeProvider time,
        ILogger logger,
        TrackedSymbols? tracked = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parser);
        _options = options;
        _parser = parser;
        _http = http;
        _recorder = recorder;
        _health = health;
        Time = time;
        _logger = logger;
        _tracked = tracked;
        _coins = options.EffectiveCoins();
    }

    public string Source => _parser.Source;

    /// <summary>
    /// Called with each wait the loop is about to do and why (<c>next-call</c>, <c>rate-limited</c>,
    /// <c>backoff</c>), after the wait's timer exists, so a test on a fake clock knows when to advance it.
    /// </summary>
    internal Action<TimeSpan, string>? Waiting { get; set; }

    // Why the retry's next wait is (set just before Polly starts its timer, read when the timer exists).
    private string _waitingWhy = "backoff";

    protected TimeProvider Time { get; }

    /// <summary>Why the source must not run (e.g. no API key), or null when it may.</summary>
    protected virtual string? SwitchedOffReason => _options.Enabled ? null : "disabled in configuration";

    /// <summary>How many calls one refresh of every coin takes.</summary>
    protected abstract int CallsPerRefresh { get; }

    /// <summary>
    /// The wait between two calls: the refresh interval spread over the calls of one refresh, but never less
    /// than the API's per-minute limit allows.
    /// </summary>
    protected virtual TimeSpan CallSpacing => Max(_options.Interval / CallsPerRefresh, TimeSpan.FromMinutes(1) / _options.MaxCallsPerMinute);

    /// <summary>
    /// The API's ids of the configured coins whose asset is tracked now, sorted: a change of the tracked symbols
    /// takes effect on the next call. Without tracked symbols, every configured coin.
    /// </summary>
    protected IReadOnlyList<string> TrackedCoinIds()
    {
        var assets = _tracked?.Assets;
        return [.. _coins.Where(c => assets is null || assets.Contains(c.Value)).Select(c => c.Key).Order(StringComparer.Ordinal)];
    }

    /// <summary>The request of the <paramref name="callNumber"/>-th call and the channel name it is recorded under.</summary>
    protected abstract (HttpRequestMessage Request, string Channel) CreateCall(long callNumber);

    public async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (SwitchedOffReason is { } reason)
        {
            LogSwitchedOff(_logger, Source, reason);
            _health.Off(Source, reason);
            return;
        }

        LogPolling(_logger, Source, _options.BaseUrl!, CallSpacing);
        // The call spacing is also the first back-off step; a cap under it would only shorten the first wait.
        var calls = new Backoff(CallSpacing, Max(_options.MaxBackoff, CallSpacing), Jitter: false).Retry<CallOutcome>(
            Time,
            retry: outcome => outcome.Result is { Failure: not null } or { RateLimited: true },
            onRetry: args =>
            {
                var failures = args.AttemptNumber + 1;
                var outcome = args.Outcome.Result!;
                _waitingWhy = outcome.RateLimited ? "rate-limited" : "backoff";
                if (outcome.RateLimited)
                {
                    LogRateLimited(_logger, Source, args.RetryDelay);
                    return default;
                }

                if (failures >= _options.UnreachableAfterFailures)
                {
                    _health.Unreachable(Source, outcome.Failure!);
                }
                else
                {
                    _health.Disconnected(Source, outcome.Failure!);
                }

                LogCallFailed(_logger, Source, outcome.Failure!, failures, args.RetryDelay);
                return default;
            },
            delay: outcome => outcome.Result?.RetryAfter,
            waiting: wait => Waiting?.Invoke(wait, _waitingWhy));
        try
        {
            // Every call, retried or not, has its own number (a paged API walks its pages by it).
            long call = 0;
            while (true)
            {
                await calls.ExecuteAsync(async token => await CallOnceAsync(call++, sink, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                var delay = Task.Delay(CallSpacing, Time, cancellationToken);
                Waiting?.Invoke(CallSpacing, "next-call");
                await delay.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a failure.
        }
    }

    private async Task<CallOutcome> CallOnceAsync(long callNumber, IRawSink sink, CancellationToken cancellationToken)
    {
        if (TrackedCoinIds().Count == 0)
        {
            // Nothing of this API's coins is tracked; look again after the usual spacing.
            return CallOutcome.Done;
        }

        var (request, channel) = CreateCall(callNumber);
        using (request)
        {
            HttpResponseMessage response;
            byte[] body;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
                body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                return CallOutcome.Failed("request failed: " + ex.Message);
            }

            using (response)
            {
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    return new CallOutcome(null, RateLimited: true, RetryAfter(response));
                }

                if (!response.IsSuccessStatusCode)
                {
                    return CallOutcome.Failed($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                var receivedAt = Time.GetUtcNow();
                _recorder.Record(Source, channel, body, receivedAt);
                var result = await FrameDispatch.PublishAsync(_parser, body, receivedAt, sink, cancellationToken).ConfigureAwait(false);
                if (result.IsRejected)
                {
                    LogRejected(_logger, Source, result.RejectReason!, result.RejectDetail ?? string.Empty);
                }

                _health.Connected(Source);
                return CallOutcome.Done;
            }
        }
    }

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        TimeSpan? wait = header?.Delta ?? (header?.Date is { } date ? date - Time.GetUtcNow() : null);
        return wait is { } w ? Min(Max(w, TimeSpan.FromSeconds(1)), LongestRetryAfter) : null;
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} is off: {Reason}")]
    private static partial void LogSwitchedOff(ILogger logger, string source, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source}: polling {BaseUrl}, one call every {Spacing}")]
    private static partial void LogPolling(ILogger logger, string source, Uri baseUrl, TimeSpan spacing);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source}: rate limited (HTTP 429), next call in {Wait}")]
    private static partial void LogRateLimited(ILogger logger, string source, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source}: {Reason} (failure {Failures} in a row), retrying in {Wait}")]
    private static partial void LogCallFailed(ILogger logger, string source, string reason, int failures, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source}: response rejected ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string source, string reason, string detail);

    /// <summary>One call's outcome: done, failed (why), or rate limited (with the API's Retry-After, if any).</summary>
    private sealed record CallOutcome(string? Failure, bool RateLimited = false, TimeSpan? RetryAfter = null)
    {
        public static readonly CallOutcome Done = new(Failure: null);

        public static CallOutcome Failed(string failure) => new(failure);
    }
}
