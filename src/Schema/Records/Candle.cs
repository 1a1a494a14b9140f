namespace CryptoStreams.Schema;

/// <summary>Whether a window saw every tick its source sent, or overlaps a known gap (<c>raw.gaps</c>).</summary>
public enum Coverage
{
    Complete,
    Partial,
}

/// <summary>
/// Open/high/low/close of one source and symbol over one tumbling window (<c>prices.1m</c>).
/// Provisional updates have <see cref="Final"/> false; the record emitted when the window closes has it true.
/// </summary>
/// <param name="Source">Venue or API.</param>
/// <param name="Symbol">Canonical symbol as quoted by the source.</param>
/// <param name="Kind">Trades give VWAP and volume; quotes give the mean price.</param>
/// <param name="WindowStart">Inclusive window start (UTC).</param>
/// <param name="WindowEnd">Exclusive window end (UTC).</param>
/// <param name="Open">Price of the earliest tick by event time.</param>
/// <param name="High">Highest price.</param>
/// <param name="Low">Lowest price.</param>
/// <param name="Close">Price of the latest tick by event time.</param>
/// <param name="Vwap">Volume-weighted average price for trades; for quotes the mean price.</param>
/// <param name="Volume">Sum of sizes (zero for quotes).</param>
/// <param name="Count">Number of ticks.</param>
/// <param name="Coverage">Whether a gap overlaps the window.</param>
/// <param name="Final">True once the window is closed (stream time passed end + grace).</param>
public sealed record Candle(
    string Source,
    string Symbol,
    TickKind Kind,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    decimal Open,
    decimal High,
    decimal Low,
    decimal Close,
    decimal Vwap,
    decimal Volume,
    long Count,
    Coverage Coverage,
    bool Final)
{
    public string Asset => CanonicalSymbol.AssetOf(Symbol);
}
