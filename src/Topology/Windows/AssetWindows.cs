using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// Everything the topology holds about one asset's open windows: every (source, symbol) candle of each
/// window not yet closed, the gaps reported for them, and the latest event time seen for the asset
/// (so stream time survives a restart). One store entry per asset: the store value of <c>market-windows</c>.
/// </summary>
internal sealed class AssetWindows : IBinaryState<AssetWindows>
{
    public long LatestEventTicks { get; set; } = long.MinValue;

    /// <summary>Open windows, ordered by start.</summary>
    public List<OpenWindow> Windows { get; } = [];

    public List<GapMark> Gaps { get; } = [];

    static byte IBinaryState<AssetWindows>.FormatVersion => 1;

    public OpenWindow WindowAt(long startTicks)
    {
        var index = Windows.Count - 1;
        while (index >= 0 && Windows[index].StartTicks > startTicks)
        {
            index--;
        }

        if (index >= 0 && Windows[index].StartTicks == startTicks)
        {
            return Windows[index];
        }

        var created = new OpenWindow(startTicks);
        Windows.Insert(index + 1, created);
        return created;
    }

    /// <summary>Partial when a reported gap of this source and symbol overlaps the window.</summary>
    public Coverage CoverageOf(CandleAccumulator candle, long startTicks, long endTicks)
    {
        foreach (var gap in Gaps)
        {
            if (gap.FromTicks < endTicks && gap.ToTicks >= startTicks && gap.Source == candle.Source && gap.Symbol == candle.Symbol)
            {
                return Coverage.Partial;
            }
        }

        return Coverage.Complete;
    }

    public void Write(BinaryWriter writer)
    {
        writer.Write(LatestEventTicks);
        writer.Write(Windows.Count);
        foreach (var window in Windows)
        {
            writer.Write(window.StartTicks);
            writer.Write(window.Candles.Count);
            foreach (var candle in window.Candles)
            {
                candle.WriteTo(writer);
            }
        }

        writer.Write(Gaps.Count);
        foreach (var gap in Gaps)
        {
            writer.Write(gap.Source);
            writer.Write(gap.Symbol);
            writer.Write(gap.FromTicks);
            writer.Write(gap.ToTicks);
        }
    }

    public static AssetWindows Read(BinaryReader reader)
    {
        var state = new AssetWindows { LatestEventTicks = reader.ReadInt64() };
        var windows = reader.ReadInt32();
        for (var w = 0; w < windows; w++)
        {
            var window = new OpenWindow(reader.ReadInt64());
            var candles = reader.ReadInt32();
            for (var c = 0; c < candles; c++)
            {
                window.Candles.Add(CandleAccumulator.ReadFrom(reader));
            }

            state.Windows.Add(window);
        }

        var gaps = reader.ReadInt32();
        for (var g = 0; g < gaps; g++)
        {
            state.Gaps.Add(new GapMark(reader.ReadString(), reader.ReadString(), reader.ReadInt64(), reader.ReadInt64()));
        }

        return state;
    }
}

/// <summary>One window of one asset: a candle per (source, symbol) that sent ticks into it.</summary>
internal sealed class OpenWindow(long startTicks)
{
    public long StartTicks { get; } = startTicks;

    public List<CandleAccumulator> Candles { get; } = [];

    public CandleAccumulator Add(Tick tick)
    {
        foreach (var candle in Candles)
        {
            if (candle.Covers(tick))
            {
                candle.Add(tick);
                return candle;
            }
        }

        var started = CandleAccumulator.Start(tick);
        Candles.Add(started);
        return started;
    }
}

/// <summary>A reported interruption of one source and symbol (closed interval of event time, in ticks).</summary>
internal sealed record GapMark(string Source, string Symbol, long FromTicks, long ToTicks);
