using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// Short and long moving averages of one asset's final window closes, and the crossings between them.
/// A crossover is reported once, on the window where the short average moves to the other side of the
/// long one; the first window with both averages only establishes which side it is on (warm-up), and a
/// window where they are equal keeps the previous side.
/// SMA: mean of the last n closes. EMA: seeded with the SMA of the first n closes, then
/// <c>α·close + (1 − α)·previous</c> with <c>α = 2 / (n + 1)</c>.
/// </summary>
public sealed class CrossoverDetector : IBinaryState<CrossoverDetector>
{
    private readonly List<decimal> recent = [];

    public CrossoverDetector(MovingAverageKind kind, int shortLength, int longLength)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shortLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(longLength, shortLength);
        Kind = kind;
        ShortLength = shortLength;
        LongLength = longLength;
    }

    public MovingAverageKind Kind { get; }

    public int ShortLength { get; }

    public int LongLength { get; }

    /// <summary>Closes seen so far.</summary>
    public long Count { get; private set; }

    public decimal? ShortAverage { get; private set; }

    public decimal? LongAverage { get; private set; }

    /// <summary>+1 short above long, −1 below, 0 not known yet.</summary>
    public int Side { get; private set; }

    /// <summary>Adds the next final close; returns the crossover it causes, if any.</summary>
    public CrossoverSignal? Add(string symbol, decimal close, DateTimeOffset windowStart, DateTimeOffset windowEnd)
    {
        Count++;
        recent.Add(close);
        if (recent.Count > LongLength)
        {
            recent.RemoveAt(0);
        }

        ShortAverage = Next(ShortAverage, ShortLength, close);
        LongAverage = Next(LongAverage, LongLength, close);
        if (ShortAverage is not { } shortAverage || LongAverage is not { } longAverage)
        {
            return null;
        }

        var side = shortAverage.CompareTo(longAverage);
        if (side == 0)
        {
            return null;
        }

        var previous = Side;
        Side = side;
        if (previous == 0 || previous == side)
        {
            return null;
        }

        return new CrossoverSignal(
            symbol,
            side > 0 ? CrossoverDirection.Golden : CrossoverDirection.Death,
            Kind,
            ShortLength,
            LongLength,
            shortAverage,
            longAverage,
            close,
            windowStart,
            windowEnd);
    }

    private decimal? Next(decimal? previous, int length, decimal close)
    {
        if (Count < length)
        {
            return null;
        }

        if (Kind == MovingAverageKind.Sma || Count == length)
        {
            return MeanOfLast(length);
        }

        var alpha = 2m / (length + 1);
        return (alpha * close) + ((1 - alpha) * previous!.Value);
    }

    private decimal MeanOfLast(int length)
    {
        var sum = 0m;
        for (var i = recent.Count - length; i < recent.Count; i++)
        {
            sum += recent[i];
        }

        return sum / length;
    }

    static byte IBinaryState<CrossoverDetector>.FormatVersion => 1;

    void IBinaryState<CrossoverDetector>.Write(BinaryWriter writer)
    {
        writer.Write((byte)Kind);
        writer.Write(ShortLength);
        writer.Write(LongLength);
        writer.Write(Count);
        writer.Write((sbyte)Side);
        BinaryState.Write(writer, ShortAverage);
        BinaryState.Write(writer, LongAverage);
        writer.Write(recent.Count);
        foreach (var close in recent)
        {
            writer.Write(close);
        }
    }

    static CrossoverDetector IBinaryState<CrossoverDetector>.Read(BinaryReader reader)
    {
        var detector = new CrossoverDetector((MovingAverageKind)reader.ReadByte(), reader.ReadInt32(), reader.ReadInt32())
        {
            Count = reader.ReadInt64(),
            Side = reader.ReadSByte(),
            ShortAverage = BinaryState.ReadNullableDecimal(reader),
            LongAverage = BinaryState.ReadNullableDecimal(reader),
        };
        var n = reader.ReadInt32();
        for (var i = 0; i < n; i++)
        {
            detector.recent.Add(reader.ReadDecimal());
        }

        return detector;
    }
}
