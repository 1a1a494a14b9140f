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

    public ChainlinkConnector(ChainlinkOptions options, HttpClient http, IFrameRecorder recorder, ISourceHealth health, TimeProvider time, ILogger<ChainlinkConnector> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _rpc = new EthJsonRpcClient(http, options.RpcUrl ?? throw new ArgumentException("Extractors:Chainlink:RpcUrl is required", nameof(options)));
        _recorder = recorder;
        _health = health;
        _time = time;
        _logger = logger;
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
        var failures = 0;
        try
        {
            while (true)
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

                TimeSpan wait;
                string why;
                if (failure is null)
                {
                    failures = 0;
                    _health.Connected(Source);
                    (wait, why) = (_options.Interval, "next-call");
                }
                else
                {
                    failures++;
                    if (failures >= _options.UnreachableAfterFailures)
                    {
                        _health.Unreachable(Source, failure);
                    }
                    else
                    {
                        _health.Disconnected(Source, failure);
                    }

                    var backoff = _options.Interval * Math.Pow(2, Math.Min(failures - 1, 20));
                    wait = backoff < _options.MaxBackoff ? backoff : _options.MaxBackoff;
                    why = "backoff";
                    LogRpcFailed(_logger, failure, failures, wait);
                }

                var delay = Task.Delay(wait, _time, cancellationToken);
                Waiting?.Invoke(wait, why);
                await delay.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a failure.
        }
    }

    private async Task PollFeedAsync(FeedState feed, IRawSink sink, CancellationToken cancellationToken)
    {
        if (feed.Decimals is null)
        {
            var decimalsCall = await _rpc.CallAsync(feed.Address, AbiDecoder.DecimalsSelector, cancellationToken).ConfigureAwait(false);
            var at = _time.GetUtcNow();
            _recorder.Record(Source, "rpc:decimals", decimalsCall.Body, at);
            try
            {
                feed.Decimals = AbiDecoder.DecodeDecimals(decimalsCall.ResultHex);
            }
            catch (AbiDecodeException ex)
            {
                await RejectAsync(sink, "abi-decode", $"{feed.Symbol} decimals(): {ex.Message}", decimalsCall.Body, at, cancellationToken).ConfigureAwait(false);
                return;
            }
        }

        var call = await _rpc.CallAsync(feed.Address, AbiDecoder.LatestRoundDataSelector, cancellationToken).ConfigureAwait(false);
        var receivedAt = _time.GetUtcNow();
        _recorder.Record(Source, "rpc:latestRoundData", call.Body, receivedAt);
        RoundData round;
        try
        {
            round = AbiDecoder.DecodeLatestRoundData(call.ResultHex);
        }
        catch (AbiDecodeException ex)
        {
            await RejectAsync(sink, "abi-decode", $"{feed.Symbol} latestRoundData(): {ex.Message}", call.Body, receivedAt, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (feed.LastRoundId == round.RoundId)
        {
            return;
        }

        // Remember the round even when it is rejected below, so one bad round is dead-lettered once, not every poll.
        feed.LastRoundId = round.RoundId;
        if (round.Answer.Sign <= 0)
        {
            await RejectAsync(sink, "invalid-answer", $"{feed.Symbol} round {round.RoundId}: answer {round.Answer} is not positive", call.Body, receivedAt, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (round.UpdatedAt == DateTimeOffset.UnixEpoch)
        {
            await RejectAsync(sink, "incomplete-round", $"{feed.Symbol} round {round.RoundId}: updatedAt is 0", call.Body, receivedAt, cancellationToken).ConfigureAwait(false);
            return;
        }

        decimal answer;
        try
        {
            answer = AbiDecoder.Scale(round.Answer, feed.Decimals!.Value);
        }
        catch (AbiDecodeException ex)
        {
            await RejectAsync(sink, "abi-decode", $"{feed.Symbol}: {ex.Message}", call.Body, receivedAt, cancellationToken).ConfigureAwait(false);
            return;
        }

        var oracleRound = new OracleRound(
            Source, feed.Symbol, feed.Address, round.RoundId, answer, feed.Decimals!.Value, round.StartedAt, round.UpdatedAt, round.AnsweredInRound, receivedAt);
        await sink.PublishOracleRoundAsync(oracleRound, cancellationToken).ConfigureAwait(false);
    }

    private ValueTask RejectAsync(IRawSink sink, string reason, string detail, byte[] body, DateTimeOffset at, CancellationToken cancellationToken)
    {
        LogRejected(_logger, reason, detail);
        return sink.PublishDeadLetterAsync(DeadLetters.ForFrame(Source, reason, detail, body, at), cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "chainlink is off: disabled in configuration")]
    private static partial void LogOff(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "chainlink: reading {Feeds} feeds through {Host} every {Interval}")]
    private static partial void LogReading(ILogger logger, int feeds, string host, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chainlink: {Failure} (failure {Failures} in a row), retrying in {Wait}")]
    private static partial void LogRpcFailed(ILogger logger, string failure, int failures, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chainlink: rejected ({Reason}): {Detail}")]
    private static partial void LogRejected(ILogger logger, string reason, string detail);

    private sealed class FeedState(string symbol, string address)
    {
        public string Symbol { get; } = symbol;

        public string Address { get; } = address;

        public int? Decimals { get; set; }

        public UInt128? LastRoundId { get; set; }
    }
}
