using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Chainlink;

/// <summary>
/// Turns the answers of a feed's <c>decimals()</c> and <c>latestRoundData()</c> calls into <see cref="OracleRound"/>s:
/// a round is published only when its id changes; an answer that cannot be decoded, is not positive or belongs to an
/// unfinished round is dead-lettered once. Live polling and <c>cryptostreams replay</c> both go through this class
/// (one instance per run), so a recording replays into exactly the rounds and dead letters the live run produced.
/// </summary>
public sealed class ChainlinkRounds
{
    public const string DecimalsMethod = "decimals";
    public const string LatestRoundDataMethod = "latestRoundData";

    private const string ChannelPrefix = "rpc:";

    private readonly Dictionary<string, FeedState> _feeds = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>What one answer did.</summary>
    public enum Outcome
    {
        /// <summary>Decimals learnt, or the round is the one already published.</summary>
        Nothing,

        Published,

        DeadLettered,
    }

    /// <summary>The recording channel of one call: <c>rpc:latestRoundData:BTC-USD:0xF403…</c>.</summary>
    public static string Channel(string method, string symbol, string address) => $"{ChannelPrefix}{method}:{symbol}:{address}";

    /// <summary>Reads a channel written by <see cref="Channel"/>; false for anything else (recordings before the feed was named).</summary>
    public static bool TryParseChannel(string channel, out string method, out string symbol, out string address)
    {
        ArgumentNullException.ThrowIfNull(channel);
        method = symbol = address = string.Empty;
        var parts = channel.Split(':');
        if (parts.Length != 4 || parts[0] + ":" != ChannelPrefix || parts[1] is not (DecimalsMethod or LatestRoundDataMethod))
        {
            return false;
        }

        (method, symbol, address) = (parts[1], parts[2], parts[3]);
        return CanonicalSymbol.TryParse(symbol, out _) && address.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>True once the feed's <c>decimals()</c> answer was read.</summary>
    public bool KnowsDecimals(string address) => _feeds.TryGetValue(address, out var feed) && feed.Decimals is not null;

    /// <summary>Reads a <c>decimals()</c> result; an undecodable one is dead-lettered.</summary>
    public async ValueTask<Outcome> ReadDecimalsAsync(string symbol, string address, string resultHex, byte[] body, DateTimeOffset receivedAt, IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        try
        {
            Feed(symbol, address).Decimals = AbiDecoder.DecodeDecimals(resultHex);
            return Outcome.Nothing;
        }
        catch (AbiDecodeException ex)
        {
            await RejectAsync(sink, "abi-decode", $"{symbol} decimals(): {ex.Message}", body, receivedAt, cancellationToken).ConfigureAwait(false);
            return Outcome.DeadLettered;
        }
    }

    /// <summary>Reads a <c>latestRoundData()</c> result and publishes the round if it is new and valid.</summary>
    public async ValueTask<Outcome> ReadLatestRoundAsync(string symbol, string address, string resultHex, byte[] body, DateTimeOffset receivedAt, IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var feed = Feed(symbol, address);
        RoundData round;
        try
        {
            round = AbiDecoder.DecodeLatestRoundData(resultHex);
        }
        catch (AbiDecodeException ex)
        {
            await RejectAsync(sink, "abi-decode", $"{symbol} latestRoundData(): {ex.Message}", body, receivedAt, cancellationToken).ConfigureAwait(false);
            return Outcome.DeadLettered;
        }

        if (feed.LastRoundId == round.RoundId)
        {
            return Outcome.Nothing;
        }

        // Remember the round even when it is rejected below, so one bad round is dead-lettered once, not every poll.
        feed.LastRoundId = round.RoundId;
        string? problem = null;
        string reason = "invalid-answer";
        if (feed.Decimals is null)
        {
            (reason, problem) = ("missing-decimals", $"{symbol} round {round.RoundId}: no decimals() answer was read for this feed before it");
        }
        else if (round.Answer.Sign <= 0)
        {
            problem = $"{symbol} round {round.RoundId}: answer {round.Answer} is not positive";
        }
        else if (round.UpdatedAt == DateTimeOffset.UnixEpoch)
        {
            (reason, problem) = ("incomplete-round", $"{symbol} round {round.RoundId}: updatedAt is 0");
        }

        if (problem is not null)
        {
            await RejectAsync(sink, reason, problem, body, receivedAt, cancellationToken).ConfigureAwait(false);
            return Outcome.DeadLettered;
        }

        decimal answer;
        try
        {
            answer = AbiDecoder.Scale(round.Answer, feed.Decimals!.Value);
        }
        catch (AbiDecodeException ex)
        {
            await RejectAsync(sink, "abi-decode", $"{symbol}: {ex.Message}", body, receivedAt, cancellationToken).ConfigureAwait(false);
            return Outcome.DeadLettered;
        }

        var oracleRound = new OracleRound(
            Sources.Chainlink, symbol, address, round.RoundId, answer, feed.Decimals!.Value, round.StartedAt, round.UpdatedAt, round.AnsweredInRound, receivedAt);
        await sink.PublishOracleRoundAsync(oracleRound, cancellationToken).ConfigureAwait(false);
        return Outcome.Published;
    }

    /// <summary>Raised with the reason and detail of every dead letter, for the caller's log.</summary>
    public event Action<string, string>? Rejected;

    private FeedState Feed(string symbol, string address)
    {
        if (!_feeds.TryGetValue(address, out var feed))
        {
            feed = new FeedState(symbol);
            _feeds[address] = feed;
        }

        return feed;
    }

    private ValueTask RejectAsync(IRawSink sink, string reason, string detail, byte[] body, DateTimeOffset at, CancellationToken cancellationToken)
    {
        Rejected?.Invoke(reason, detail);
        return sink.PublishDeadLetterAsync(DeadLetters.ForFrame(Sources.Chainlink, reason, detail, body, at), cancellationToken);
    }

    private sealed class FeedState(string symbol)
    {
        public string Symbol { get; } = symbol;

        public int? Decimals { get; set; }

        public UInt128? LastRoundId { get; set; }
    }
}
