namespace CryptoStreams.Schema;

/// <summary>
/// How far an oracle's answer is from the market at a window end (<c>deviation.1m</c>).
/// <c>DeviationPercent = (OraclePrice − ConsensusPrice) / ConsensusPrice × 100</c>.
/// </summary>
/// <param name="Symbol">Oracle symbol, e.g. <c>BTC-USD</c>.</param>
/// <param name="WindowStart">Inclusive window start (UTC).</param>
/// <param name="WindowEnd">Exclusive window end (UTC): the as-of instant for the oracle.</param>
/// <param name="OracleSource">The oracle, <c>chainlink</c>.</param>
/// <param name="OracleRoundId">The round in force at the window end.</param>
/// <param name="OraclePrice">Its answer, exact.</param>
/// <param name="OracleUpdatedAt">When that answer was written on chain.</param>
/// <param name="StalenessSeconds">WindowEnd − OracleUpdatedAt in seconds.</param>
/// <param name="ConsensusPrice">The robust median consensus.</param>
/// <param name="DeviationPercent">Oracle vs median, percent.</param>
/// <param name="ApiMeanPrice">The classic API mean, when present.</param>
/// <param name="ApiDeviationPercent">Oracle vs API mean, percent (the seed's metric), when present.</param>
public sealed record Deviation(
    string Symbol,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    string OracleSource,
    UInt128 OracleRoundId,
    decimal OraclePrice,
    DateTimeOffset OracleUpdatedAt,
    double StalenessSeconds,
    decimal ConsensusPrice,
    decimal DeviationPercent,
    decimal? ApiMeanPrice,
    decimal? ApiDeviationPercent)
{
    public string Asset => CanonicalSymbol.AssetOf(Symbol);
}
