using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>How far the oracle's answer in force at a window end is from that window's consensus.</summary>
public static class DeviationCalculator
{
    /// <summary>
    /// The deviation of <paramref name="round"/> from <paramref name="consensus"/>, or null when the consensus has
    /// no median. Percentages are <c>(oracle − consensus) / consensus × 100</c> in decimal, so 8-decimal answers stay exact.
    /// </summary>
    public static Deviation? Compute(Consensus consensus, OracleRound round)
    {
        ArgumentNullException.ThrowIfNull(consensus);
        ArgumentNullException.ThrowIfNull(round);
        if (consensus.Median is not { } median)
        {
            return null;
        }

        return new Deviation(
            round.Symbol,
            consensus.WindowStart,
            consensus.WindowEnd,
            round.Source,
            round.RoundId,
            round.Answer,
            round.UpdatedAt,
            (consensus.WindowEnd - round.UpdatedAt).TotalSeconds,
            median,
            Percent(round.Answer, median),
            consensus.ApiMean,
            consensus.ApiMean is { } mean ? Percent(round.Answer, mean) : null);
    }

    public static decimal Percent(decimal oracle, decimal market) => (oracle - market) / market * 100m;
}
