using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Which symbols a venue should carry now: configured symbols whose asset is tracked, and every other tracked asset
/// against the quote currencies the venue is configured with (<c>SOL</c> → <c>SOL-USDT</c> on Binance). The
/// connector subscribes to these and the scheduled jobs fetch candles for them, so both follow one rule.
/// </summary>
public sealed class StreamedSymbols
{
    private readonly IReadOnlyList<string> configured;
    private readonly IReadOnlyList<string> quotes;
    private readonly TrackedSymbols? tracked;

    /// <param name="options">The venue's configured symbols.</param>
    /// <param name="tracked">The tracked symbols, or null to carry exactly the configured ones.</param>
    public StreamedSymbols(ExchangeOptions options, TrackedSymbols? tracked)
    {
        ArgumentNullException.ThrowIfNull(options);
        configured = [.. options.Symbols.Select(s => CanonicalSymbol.Parse(s).ToString()).Distinct(StringComparer.Ordinal)];
        quotes = [.. options.Symbols.Select(s => CanonicalSymbol.Parse(s).Quote).Distinct(StringComparer.Ordinal)];
        this.tracked = tracked;
    }

    /// <summary>Canonical symbols, sorted.</summary>
    public IReadOnlyList<string> Current()
    {
        if (tracked is null)
        {
            return configured;
        }

        var assets = tracked.Assets;
        return
        [
            .. configured.Where(s => assets.Contains(CanonicalSymbol.AssetOf(s)))
                .Concat(assets.SelectMany(asset => quotes.Where(q => q != asset).Select(q => new CanonicalSymbol(asset, q).ToString())))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal),
        ];
    }
}
