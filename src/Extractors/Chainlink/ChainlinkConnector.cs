using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Chainlink;

/// <summary>
/// Reads Chainlink price-feed proxies through <c>eth_call</c>: <c>decimals()</c> once per feed, then
/// <c>latestRoundData()</c> every interval. A round is published to <c>raw.chainlink</c> only when its id changes,
/// so a feed that has not moved (it may legitimately sit for a whole heartbeat) produces nothing new.
/// RPC failures back off and are reported; undecodable or invalid answers go to the dead-letter topic.
/// </summary>
public sealed partial class ChainlinkConnector : ISourceConnector
{
    private readonly ChainlinkOptions _options;
    private readonly EthJsonRpcClient _rpc;
    private readonly IFrameRecorder _recorder;
    private readonly ISourceHealth _health;
    private readonly TimeProvider _time;
    private readonly ILogger<ChainlinkConnector> _logger;
    private readonly ChainlinkRounds _rounds = new();

    public ChainlinkConnector(ChainlinkOptions options, HttpClient http, IFrameRecorder recorder, ISourceHealth health, TimeProvider time, ILogger<ChainlinkConnector> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _rpc = new EthJsonRpcClient(http, options.RpcUrl ?? throw new ArgumentException("Extractors:Chainlink:RpcUrl is required", nameof(options)));
        _recorder = recorder;
        _health = health;
        _time = time;
        _logger = logger;
        _rounds.Rejected += (reason, detail) => LogRejected(_logger, reason, detail);
    }

    public string Source => Sources.Chainlink;

    /// <summary>Called with each wait and why (<c>next-call</c>, <c>backoff</c>) once its timer exists; for tests on a fake clock.</summary>
    internal Action<TimeSpan, string>? Waiting { get; set; }

    public async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!_options.Enabled)
        {
            _health.Off(Source, "disabled in configuration");
            LogOff(_logger);
            return;
        }

        var feeds = _options.EffectiveFeeds()
            .Select(f => new FeedState(CanonicalSymbol.Parse(f.Symbol).ToString(), f.Address))
            .ToList();
        LogReading(_logger, feeds.Count, _options.RpcUrl!.Host, _options.Interval);
        var rounds = new Backoff(_options.Interval, _options.MaxBackoff, Jitter: false).Retry<string?>(
            _time,
            retry: outcome => outcome.Result is not null,
            onRetry: args =>
            {
                var failures = args.AttemptNumber + 1;
                var failure = args.Outcome.Result!;
                if (failures >= _options.UnreachableAfterFailures)
                {
                    _health.Unreachable(Source, failure);
                }
                else
                {
                    _health.Disconnected(Source, failure);
                }

                LogRpcFailed(_logger, failure, failures, args.RetryDelay);
                return default;
            },
            waiting: wait => Waiting?.Invoke(wait, "backoff"));
        try
        {
            while (true)
            {
                // One round reads every feed; a round with a failed feed is retried on the back-off until one succeeds.
                await rounds.ExecuteAsync(async token => await PollRoundAsync(feeds, sink, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
                _health.Connected(Source);
                var delay = Task.Delay(_options.Interval, _time, cancellationToken);
                Waiting?.Invoke(_options.Interval, "next-call");
                await delay.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a failure.
        }
    }

    /// <summary>Reads every feed once; the first failure, or null when all answered.</summary>
    private async Task<string?> PollRoundAsync(List<FeedState> feeds, IRawSink sink, CancellationToken cancellationToken)
    {
        string? failure = null;
        foreach (var feed in feeds)
        {
            try
            {
                await PollFeedAsync(feed, sink, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is JsonRpcException or HttpRequestException or IOException
                                       || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                failure ??= $"{feed.Symbol}: {ex.Message}";
            }
        }

        // Polls cut short by the stop are not failures to wait out and report.
        cancellationToken.ThrowIfCancellationRequested();
        return failure;
    }

    private async Task PollFeedAsync(FeedState feed, IRawSink sink, CancellationToken cancellationToken)
    {
        if (!_rounds.KnowsDecimals(feed.Address))
        {
            var decimalsCall = await _rpc.CallAsync(feed.Address, AbiDecoder.DecimalsSelector, cancellationToken).ConfigureAwait(false);
            var at = _time.GetUtcNow();
            _recorder.Record(Source, ChainlinkRounds.Channel(ChainlinkRounds.DecimalsMethod, feed.Symbol, feed.Address), decimalsCall.Body, at);
            if (await _rounds.ReadDecimalsAsync(feed.Symbol, feed.Address, decimalsCall.ResultHex, decimalsCall.Body, at, sink, cancellationToken).ConfigureAwait(false)
                == ChainlinkRounds.Outcome.DeadLettered)
            {
                return;
            }
        }

        var call = await _rpc.CallAsync(feed.Address, AbiDecoder.LatestRoundDataSelector, cancellationToken).ConfigureAwait(false);
        var receivedAt = _time.GetUtcNow();
        _recorder.Record(Source, ChainlinkRounds.Channel(ChainlinkRounds.LatestRoundDataMethod, feed.Symbol, feed.Address), call.Body, receivedAt);
        await _rounds.ReadLatestRoundAsync(feed.Symbol, feed.Address, call.ResultHex, call.Body, receivedAt, sink, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "chainlink is off: disabled in configuration")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "chainlink: reading {Feeds} feeds through {Host} every {Interval}")]
    private static partial void LogReading(ILogger logger, int feeds, string host, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chainlink: {Failure} (failure {Failures} in a row), retrying in {Wait}")]
    private static partial void LogRpcFailed(ILogger logger, string failure, int failures, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chainlink: rejected ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string reason, string detail);

    private sealed record FeedState(string Symbol, string Address);
}
