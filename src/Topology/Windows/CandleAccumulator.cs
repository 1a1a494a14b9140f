using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// Open/high/low/close, VWAP and volume of one source and symbol in one window, built tick by tick in any
/// arrival order: open and close follow event time (ties keep arrival order: the first-arrived tick opens,
/// the last-arrived closes), so a tick that arrives late but within grace still lands where it happened.
/// </summary>
public sealed class CandleAccumulator
{
    private CandleAccumulator(string source, string symbol, TickKind kind)
    {
        Source = source;
        Symbol = symbol;
        Kind = kind;
    }

    public string Source { get; }

    public string Symbol { get; }

    public TickKind Kind { get; }

    public decimal Open { get; private set; }

    public long OpenTicks { get; private set; }

    public decimal High { get; private set; }

    public decimal Low { get; private set; }

    public decimal Close { get; private set; }

    public long CloseTicks { get; private set; }

    /// <summary>Σ price·size over the ticks.</summary>
    public decimal Notional { get; private set; }

    /// <summary>Σ size.</summary>
    public decimal Volume { get; private set; }

    /// <summary>Σ price, for the mean of quotes.</summary>
    public decimal PriceSum { get; private set; }

    public long Count { get; private set; }

    /// <summary>Offset of the last tick added (its input partition is the source's raw topic), -1 when unknown: a replayed tick at or below it is already counted.</summary>
    public long LastOffset { get; set; } = -1;

    /// <summary>VWAP for trades with volume; the mean price for quotes (and for trades that all had size zero).</summary>
    public decimal Vwap => Kind == TickKind.Trade && Volume > 0 ? Notional / Volume : PriceSum / Count;

    public static CandleAccumulator Start(Tick first)
    {
        ArgumentNullException.ThrowIfNull(first);
        var candle = new CandleAccumulator(first.Source, first.Symbol, first.Kind)
        {
            Open = first.Price,
            OpenTicks = first.EventTime.UtcTicks,
            High = first.Price,
            Low = first.Price,
            Close = first.Price,
            CloseTicks = first.EventTime.UtcTicks,
        };
        candle.Accumulate(first.Price, first.Size);
        return candle;
    }

    public bool Covers(Tick tick) => tick.Source == Source && tick.Symbol == Symbol;

    public void Add(Tick tick)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var at = tick.EventTime.UtcTicks;
        if (at < OpenTicks)
        {
            Open = tick.Price;
            OpenTicks = at;
        }

        if (at >= CloseTicks)
        {
            Close = tick.Price;
            CloseTicks = at;
        }

        High = Math.Max(High, tick.Price);
        Low = Math.Min(Low, tick.Price);
        Accumulate(tick.Price, tick.Size);
    }

    public Candle ToCandle(DateTimeOffset windowStart, DateTimeOffset windowEnd, Coverage coverage, bool final) =>
        new(Source, Symbol, Kind, windowStart, windowEnd, Open, High, Low, Close, Vwap, Volume, Count, coverage, final);

    private void Accumulate(decimal price, decimal size)
    {
        Notional += price * size;
        Volume += size;
        PriceSum += price;
        Count++;
    }

    internal void WriteTo(BinaryWriter writer)
    {
        writer.Write(Source);
        writer.Write(Symbol);
        writer.Write((byte)Kind);
        writer.Write(Open);
        writer.Write(OpenTicks);
        writer.Write(High);
        writer.Write(Low);
        writer.Write(Close);
        writer.Write(CloseTicks);
        writer.Write(Notional);
        writer.Write(Volume);
        writer.Write(PriceSum);
        writer.Write(Count);
        writer.Write(LastOffset);
    }

    internal static CandleAccumulator ReadFrom(BinaryReader reader) =>
        new(reader.ReadString(), reader.ReadString(), (TickKind)reader.ReadByte())
        {
            Open = reader.ReadDecimal(),
            OpenTicks = reader.ReadInt64(),
            High = reader.ReadDecimal(),
            Low = reader.ReadDecimal(),
            Close = reader.ReadDecimal(),
            CloseTicks = reader.ReadInt64(),
            Notional = reader.ReadDecimal(),
            Volume = reader.ReadDecimal(),
            PriceSum = reader.ReadDecimal(),
            Count = reader.ReadInt64(),
            LastOffset = reader.ReadInt64(),
        };
}
