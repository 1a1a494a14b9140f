using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// The oracle rounds of one asset that can still matter, ordered by update time: the latest round at or
/// before the last closed window end (carried forward however old it is) and every newer one. A window's
/// deviation uses the round in force at its end (as-of), not the newest round received.
/// </summary>
public sealed class OracleHistory : IBinaryState<OracleHistory>
{
    private readonly List<OracleRound> rounds = [];

    public IReadOnlyList<OracleRound> Rounds => rounds;

    /// <summary>End of the latest window whose deviation was computed; older rounds than the one in force then are dropped.</summary>
    public DateTimeOffset? SettledUpTo { get; private set; }

    public void Add(OracleRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        var index = rounds.FindLastIndex(r => Compare(r, round) <= 0);
        rounds.Insert(index + 1, round);
        if (SettledUpTo is { } settled)
        {
            Prune(settled);
        }
    }

    /// <summary>The latest round updated at or before <paramref name="instant"/> (ties: the higher round id).</summary>
    public OracleRound? AsOf(DateTimeOffset instant)
    {
        for (var i = rounds.Count - 1; i >= 0; i--)
        {
            if (rounds[i].UpdatedAt <= instant)
            {
                return rounds[i];
            }
        }

        return null;
    }

    /// <summary>Windows up to <paramref name="windowEnd"/> are done: keep the round in force then and newer ones.</summary>
    public void Settle(DateTimeOffset windowEnd)
    {
        if (SettledUpTo is null || windowEnd > SettledUpTo)
        {
            SettledUpTo = windowEnd;
        }

        Prune(SettledUpTo.Value);
    }

    private void Prune(DateTimeOffset settled)
    {
        var inForce = rounds.FindLastIndex(r => r.UpdatedAt <= settled);
        if (inForce > 0)
        {
            rounds.RemoveRange(0, inForce);
        }
    }

    private static int Compare(OracleRound a, OracleRound b)
    {
        var byTime = a.UpdatedAt.CompareTo(b.UpdatedAt);
        return byTime != 0 ? byTime : a.RoundId.CompareTo(b.RoundId);
    }

    static byte IBinaryState<OracleHistory>.FormatVersion => 1;

    void IBinaryState<OracleHistory>.Write(BinaryWriter writer)
    {
        writer.Write(SettledUpTo?.UtcTicks ?? -1L);
        writer.Write(rounds.Count);
        foreach (var r in rounds)
        {
            writer.Write(r.Source);
            writer.Write(r.Symbol);
            writer.Write(r.FeedAddress);
            BinaryState.Write(writer, r.RoundId);
            writer.Write(r.Answer);
            writer.Write(r.Decimals);
            BinaryState.Write(writer, r.StartedAt);
            BinaryState.Write(writer, r.UpdatedAt);
            BinaryState.Write(writer, r.AnsweredInRound);
            BinaryState.Write(writer, r.ReceiveTime);
        }
    }

    static OracleHistory IBinaryState<OracleHistory>.Read(BinaryReader reader)
    {
        var history = new OracleHistory();
        var settled = reader.ReadInt64();
        history.SettledUpTo = settled < 0 ? null : new DateTimeOffset(settled, TimeSpan.Zero);
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            history.rounds.Add(new OracleRound(
                reader.ReadString(),
                reader.ReadString(),
                reader.ReadString(),
                BinaryState.ReadUInt128(reader),
                reader.ReadDecimal(),
                reader.ReadInt32(),
                BinaryState.ReadTime(reader),
                BinaryState.ReadTime(reader),
                BinaryState.ReadUInt128(reader),
                BinaryState.ReadTime(reader)));
        }

        return history;
    }
}
