namespace CryptoStreams.Schema;

/// <summary>A source left out of the robust consensus, with its price and why.</summary>
public sealed record ExcludedSource(string Source, decimal Price, string Reason);

/// <summary>
/// The market's price of one asset over one window (<c>consensus.1m</c>), in the consensus quote (USD).
/// </summary>
/// <param name="Symbol">Consensus symbol, e.g. <c>BTC-USD</c>.</param>
/// <param name="WindowStart">Inclusive window start (UTC).</param>
/// <param name="WindowEnd">Exclusive window end (UTC).</param>
/// <param name="ApiMean">The classic metric: mean of the REST price APIs' window closes; null if none reported.</param>
/// <param name="ApiSources">The APIs that contributed to <see cref="ApiMean"/>.</param>
/// <param name="Median">Robust consensus: median of every source's window close after exclusions; null if none.</param>
/// <param name="SourcesUsed">Sources in the median.</param>
/// <param name="SourcesExcluded">Sources left out, with the reason.</param>
/// <param name="StablecoinPolicy">How USDT/USDC quotes were mapped to USD, e.g. <c>USDT=USD,USDC=USD</c>.</param>
/// <param name="Final">True once the window is closed.</param>
public sealed record Consensus(
    string Symbol,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd,
    decimal? ApiMean,
    IReadOnlyList<string> ApiSources,
    decimal? Median,
    IReadOnlyList<string> SourcesUsed,
    IReadOnlyList<ExcludedSource> SourcesExcluded,
    string StablecoinPolicy,
    bool Final)
{
    public string Asset => CanonicalSymbol.AssetOf(Symbol);

    // Records compare lists by reference; a consensus is a value, so compare them element by element.
    public bool Equals(Consensus? other) =>
        other is not null
        && Symbol == other.Symbol
        && WindowStart == other.WindowStart
        && WindowEnd == other.WindowEnd
        && ApiMean == other.ApiMean
        && ApiSources.SequenceEqual(other.ApiSources)
        && Median == other.Median
        && SourcesUsed.SequenceEqual(other.SourcesUsed)
        && SourcesExcluded.SequenceEqual(other.SourcesExcluded)
        && StablecoinPolicy == other.StablecoinPolicy
        && Final == other.Final;

    public override int GetHashCode() => HashCode.Combine(Symbol, WindowStart, ApiMean, Median, Final);
}
