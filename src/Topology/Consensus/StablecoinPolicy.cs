using CryptoStreams.Schema;

namespace CryptoStreams.Topology;

/// <summary>
/// Which quote currencies the consensus counts as US dollars. USD always; each listed stablecoin at par.
/// The policy is written into every <see cref="Schema.Consensus"/> so a reader knows what was assumed.
/// </summary>
public sealed class StablecoinPolicy
{
    public const string Usd = "USD";

    private readonly string[] preference;

    public StablecoinPolicy(IEnumerable<string> stablecoinsAsUsd)
    {
        ArgumentNullException.ThrowIfNull(stablecoinsAsUsd);
        preference = [Usd, .. stablecoinsAsUsd.Where(c => c != Usd).Distinct(StringComparer.Ordinal)];
        Description = preference.Length == 1 ? "USD only" : string.Join(',', preference.Skip(1).Select(c => c + "=USD"));
    }

    /// <summary>E.g. <c>USDT=USD,USDC=USD</c>; <c>USD only</c> when no stablecoin is mapped.</summary>
    public string Description { get; }

    /// <summary>
    /// How directly a quote currency prices in USD: 0 for USD, 1.. for mapped stablecoins in configured
    /// order, null when it cannot be used (EUR, BTC, an unmapped stablecoin).
    /// </summary>
    public int? Preference(string quoteCurrency)
    {
        var index = Array.IndexOf(preference, quoteCurrency);
        return index < 0 ? null : index;
    }

    /// <summary>The consensus symbol of an asset: <c>BTC</c> → <c>BTC-USD</c>.</summary>
    public static string ConsensusSymbol(string asset) => asset + "-" + Usd;

    public static string QuoteOf(string canonicalSymbol)
    {
        ArgumentNullException.ThrowIfNull(canonicalSymbol);
        var dash = canonicalSymbol.IndexOf('-', StringComparison.Ordinal);
        return dash < 0 ? string.Empty : canonicalSymbol[(dash + 1)..];
    }

    public static StablecoinPolicy From(TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new StablecoinPolicy(options.StablecoinList());
    }

    public override string ToString() => Description;

    internal static bool IsUsdQuoted(OracleRound round) => QuoteOf(round.Symbol) == Usd;
}
