namespace CryptoStreams.Schema;

/// <summary>How much of a gap the venue's REST history could fill.</summary>
public enum GapCoverage
{
    /// <summary>Every missed trade was fetched and published.</summary>
    Full,

    /// <summary>Some trades (or only candles) could be fetched.</summary>
    Partial,

    /// <summary>Nothing could be fetched.</summary>
    None,
}

/// <summary>
/// A time range in which a source's stream was interrupted (<c>raw.gaps</c>), so downstream results can
/// say they are incomplete.
/// </summary>
/// <param name="Source">Venue.</param>
/// <param name="Symbol">Canonical symbol.</param>
/// <param name="From">Start of the missed range (UTC, last tick seen before the disconnect).</param>
/// <param name="To">End of the missed range (UTC, first tick after reconnecting).</param>
/// <param name="Backfilled">How many trades REST backfill recovered.</param>
/// <param name="Coverage">Full, partial or none.</param>
/// <param name="Detail">What happened, e.g. <c>disconnect: stalled 30s; kucoin keeps 100 trades</c>.</param>
/// <param name="DetectedAt">When we noticed (UTC).</param>
public sealed record Gap(
    string Source,
    string Symbol,
    DateTimeOffset From,
    DateTimeOffset To,
    long Backfilled,
    GapCoverage Coverage,
    string Detail,
    DateTimeOffset DetectedAt)
{
    public string Asset => CanonicalSymbol.AssetOf(Symbol);
}
