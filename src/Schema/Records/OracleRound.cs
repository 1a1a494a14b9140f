namespace CryptoStreams.Schema;

/// <summary>
/// One answer of an on-chain price feed (Chainlink <c>latestRoundData()</c>), written to <c>raw.chainlink</c>
/// when the round id changes.
/// </summary>
/// <param name="Source">The oracle network, <c>chainlink</c>.</param>
/// <param name="Symbol">Canonical symbol of the feed, e.g. <c>BTC-USD</c>.</param>
/// <param name="FeedAddress">The proxy contract address (0x…, checksummed as configured).</param>
/// <param name="RoundId">The proxy's round id (uint80: phase id in the high bits).</param>
/// <param name="Answer">The answer scaled by <see cref="Decimals"/>, exact.</param>
/// <param name="Decimals">The feed's <c>decimals()</c>.</param>
/// <param name="StartedAt">When the round started (UTC).</param>
/// <param name="UpdatedAt">When the answer was last updated (UTC); the event time.</param>
/// <param name="AnsweredInRound">The round in which the answer was computed.</param>
/// <param name="ReceiveTime">When we read it (UTC).</param>
public sealed record OracleRound(
    string Source,
    string Symbol,
    string FeedAddress,
    UInt128 RoundId,
    decimal Answer,
    int Decimals,
    DateTimeOffset StartedAt,
    DateTimeOffset UpdatedAt,
    UInt128 AnsweredInRound,
    DateTimeOffset ReceiveTime)
{
    public string Asset => CanonicalSymbol.AssetOf(Symbol);
}
