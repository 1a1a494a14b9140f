using System.Collections.Immutable;
using CryptoStreams.Schema;

namespace CryptoStreams.Cli.Api;

/// <summary>The symbols tracked now, after a change through <c>POST/DELETE /symbols</c>.</summary>
internal sealed class SymbolsChangedEventArgs(IReadOnlyList<string> symbols) : EventArgs
{
    public IReadOnlyList<string> Symbols { get; } = symbols;
}

/// <summary>
/// The symbols the extractors track, changeable at run time through the management API. The extractor host
/// observes <see cref="Changed"/> and subscribes or unsubscribes without a restart.
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

/// <summary>An in-memory <see cref="ISymbolRegistry"/> seeded from configuration.</summary>
internal sealed class SymbolRegistry : ISymbolRegistry
{
    /// <summary>The symbols of the three Chainlink feeds, when configuration names none.</summary>
    public static readonly IReadOnlyList<string> Defaults = ["BTC-USD", "ETH-USD", "LINK-USD"];

    private readonly Lock gate = new();
    private ImmutableSortedSet<string> symbols;

    public SymbolRegistry(IEnumerable<string> initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        symbols = [.. initial.Select(s => CanonicalSymbol.Parse(s).ToString())];
    }

    public IReadOnlyList<string> Symbols => [.. symbols];

    public event EventHandler<SymbolsChangedEventArgs>? Changed;

    public bool Add(CanonicalSymbol symbol) => Update(set => set.Add(symbol.ToString()));

    public bool Remove(CanonicalSymbol symbol) => Update(set => set.Remove(symbol.ToString()));

    private bool Update(Func<ImmutableSortedSet<string>, ImmutableSortedSet<string>> change)
    {
        ImmutableSortedSet<string> after;
        lock (gate)
        {
            after = change(symbols);
            if (after == symbols)
            {
                return false;
            }

            symbols = after;
        }

        Changed?.Invoke(this, new SymbolsChangedEventArgs([.. after]));
        return true;
    }
}
