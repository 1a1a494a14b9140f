using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// A value of the <c>market-windows</c> store. Three kinds of entry, each small so a tick rewrites (and serializes)
/// only its own window however many windows are open: one per (asset, window start) with its candles
/// (<see cref="WindowEntry"/>), one per asset with the gap reports still in force (<see cref="GapEntry"/>), and one per
/// task with the input progress (<see cref="ProgressEntry"/>). Format 2; format 1 (one entry per asset) is refused.
/// </summary>
internal abstract class MarketEntry : IBinaryState<MarketEntry>
{
    private const byte WindowKind = 1;
    private const byte GapKind = 2;
    private const byte ProgressKind = 3;

    public static byte FormatVersion => 2;

    public static string WindowKey(string asset, long startTicks) => $"w|{asset}|{startTicks}";

    public static string GapKey(string asset) => $"g|{asset}";

    public const string ProgressKey = "p|progress";

    public abstract void Write(BinaryWriter writer);

    public static MarketEntry Read(BinaryReader reader) => reader.ReadByte() switch
    {
        WindowKind => WindowEntry.ReadBody(reader),
        GapKind => GapEntry.ReadBody(reader),
        ProgressKind => ProgressEntry.ReadBody(reader),
        var kind => throw new InvalidDataException($"Unknown market-windows entry kind {kind}."),
    };

    protected static void WriteKind(BinaryWriter writer, byte kind) => writer.Write(kind);

    internal static byte KindOf<T>() => typeof(T) == typeof(WindowEntry) ? WindowKind : typeof(T) == typeof(GapEntry) ? GapKind : ProgressKind;
}

/// <summary>One window of one asset: a candle per (source, symbol) that sent ticks into it, each with the offset of its last tick.</summary>
internal sealed class WindowEntry(string asset, long startTicks) : MarketEntry
{
    public string Asset { get; } = asset;

    public long StartTicks { get; } = startTicks;

    public List<CandleAccumulator> Candles { get; } = [];

    public CandleAccumulator? CandleOf(Tick tick)
    {
        foreach (var candle in Candles)
        {
            if (candle.Covers(tick))
            {
                return candle;
            }
        }

        return null;
    }

    public override void Write(BinaryWriter writer)
    {
        WriteKind(writer, KindOf<WindowEntry>());
        writer.Write(Asset);
        writer.Write(StartTicks);
        writer.Write(Candles.Count);
        foreach (var candle in Candles)
        {
            candle.WriteTo(writer);
        }
    }

    internal static WindowEntry ReadBody(BinaryReader reader)
    {
        var entry = new WindowEntry(reader.ReadString(), reader.ReadInt64());
        var candles = reader.ReadInt32();
        for (var c = 0; c < candles; c++)
        {
            entry.Candles.Add(CandleAccumulator.ReadFrom(reader));
        }

        return entry;
    }
}

/// <summary>The gap reports of one asset whose last window is still open, and the offset of the last report applied.</summary>
internal sealed class GapEntry(string asset) : MarketEntry
{
    public string Asset { get; } = asset;

    public long LastOffset { get; set; } = -1;

    public List<GapMark> Gaps { get; } = [];

    /// <summary>
    /// Partial when a gap of this source and symbol overlaps the window and was reported before the window closes
    /// (<paramref name="closesAtTicks"/>): a report from later can only arrive after the close in a run read as it is
    /// written, so it may not mark the window in a backlog either.
    /// </summary>
    public Coverage CoverageOf(CandleAccumulator candle, long startTicks, long endTicks, long closesAtTicks)
    {
        foreach (var gap in Gaps)
        {
            if (gap.FromTicks < endTicks && gap.ToTicks >= startTicks && gap.ReportedTicks < closesAtTicks
                && gap.Source == candle.Source && gap.Symbol == candle.Symbol)
            {
                return Coverage.Partial;
            }
        }

        return Coverage.Complete;
    }

    public override void Write(BinaryWriter writer)
    {
        WriteKind(writer, KindOf<GapEntry>());
        writer.Write(Asset);
        writer.Write(LastOffset);
        writer.Write(Gaps.Count);
        foreach (var gap in Gaps)
        {
            writer.Write(gap.Source);
            writer.Write(gap.Symbol);
            writer.Write(gap.FromTicks);
            writer.Write(gap.ToTicks);
            writer.Write(gap.ReportedTicks);
        }
    }

    internal static GapEntry ReadBody(BinaryReader reader)
    {
        var entry = new GapEntry(reader.ReadString()) { LastOffset = reader.ReadInt64() };
        var gaps = reader.ReadInt32();
        for (var g = 0; g < gaps; g++)
        {
            entry.Gaps.Add(new GapMark(reader.ReadString(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt64()));
        }

        return entry;
    }
}

/// <summary>
/// The task's progress when it was written: how far windows are closed, and per input topic the next offset to
/// process and the newest event time processed. A record replayed after a crash (offset below its input's next) for a
/// closed window is a duplicate, not a late record.
/// </summary>
internal sealed class ProgressEntry : MarketEntry
{
    public long ClosedUpTo { get; set; } = long.MinValue;

    public Dictionary<string, (long Next, long Watermark)> Inputs { get; } = new(StringComparer.Ordinal);

    public override void Write(BinaryWriter writer)
    {
        WriteKind(writer, KindOf<ProgressEntry>());
        writer.Write(ClosedUpTo);
        writer.Write(Inputs.Count);
        foreach (var (topic, (next, watermark)) in Inputs)
        {
            writer.Write(topic);
            writer.Write(next);
            writer.Write(watermark);
        }
    }

    internal static ProgressEntry ReadBody(BinaryReader reader)
    {
        var entry = new ProgressEntry { ClosedUpTo = reader.ReadInt64() };
        var count = reader.ReadInt32();
        for (var i = 0; i < count; i++)
        {
            entry.Inputs[reader.ReadString()] = (reader.ReadInt64(), reader.ReadInt64());
        }

        return entry;
    }
}

/// <summary>A reported interruption of one source and symbol (closed interval of event time, in ticks) and when it was reported.</summary>
internal sealed record GapMark(string Source, string Symbol, long FromTicks, long ToTicks, long ReportedTicks);
