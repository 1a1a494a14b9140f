using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Cli.Api;

/// <summary>The symbols tracked now, after a change through <c>POST/DELETE /symbols</c>.</summary>
internal sealed class SymbolsChangedEventArgs(IReadOnlyList<string> symbols) : EventArgs
{
    public IReadOnlyList<string> Symbols { get; } = symbols;
}

/// <summary>
/// The symbols the extractors track, changeable at run time through the management API. The extractors observe
/// the underlying <see cref="TrackedSymbols"/> and subscribe or unsubscribe without a restart.
/// </summary>
internal interface ISymbolRegistry
{
    /// <summary>Canonical symbols, sorted.</summary>
    IReadOnlyList<string> Symbols { get; }

    /// <returns>False when the symbol was already tracked.</returns>
    bool Add(CanonicalSymbol symbol);

    /// <returns>False when the symbol was not tracked.</returns>
    bool Remove(CanonicalSymbol symbol);

    event EventHandler<SymbolsChangedEventArgs>? Changed;
}

/// <summary>The management API's view of the extractors' <see cref="TrackedSymbols"/>.</summary>
internal sealed class SymbolRegistry : ISymbolRegistry
{
    /// <summary>The symbols of the three Chainlink feeds, when configuration names none.</summary>
    public static readonly IReadOnlyList<string> Defaults = TrackedSymbols.Defaults;

    private readonly TrackedSymbols tracked;

    /// <summary>A registry of its own, for a run without extractors.</summary>
    public SymbolRegistry(IEnumerable<string> initial)
        : this(new TrackedSymbols(initial))
    {
    }

    public SymbolRegistry(TrackedSymbols tracked)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        this.tracked = tracked;
        tracked.Changed += (_, _) => Changed?.Invoke(this, new SymbolsChangedEventArgs(tracked.Symbols));
    }

    public IReadOnlyList<string> Symbols => tracked.Symbols;

    public event EventHandler<SymbolsChangedEventArgs>? Changed;

    public bool Add(CanonicalSymbol symbol) => tracked.Add(symbol);

    public bool Remove(CanonicalSymbol symbol) => tracked.Remove(symbol);
}
