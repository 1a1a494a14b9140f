using System.Collections.Frozen;
using System.Collections.Immutable;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Core;

/// <summary>
/// The symbols the extractors track now, changeable at run time (<c>POST/DELETE /symbols</c>). Sources work per
/// asset: a venue streams each tracked asset against its own quote currencies, a price API polls the configured
/// coins of the tracked assets. Seeded from <c>Extractors:Symbols</c>.
/// </summary>
public sealed class TrackedSymbols
{
    /// <summary>Used when <c>Extractors:Symbols</c> names none: the assets every source covers by default.</summary>
    public static readonly IReadOnlyList<string> Defaults = ["BTC-USD", "ETH-USD", "LINK-USD"];

    private readonly Lock gate = new();
    private State state;

    public TrackedSymbols(IEnumerable<string> initial)
    {
        ArgumentNullException.ThrowIfNull(initial);
        state = new State([.. initial.Select(s => CanonicalSymbol.Parse(s).ToString())]);
    }

    /// <summary>Raised after every change, outside any lock, on the thread that made it.</summary>
    public event EventHandler? Changed;

    /// <summary>Canonical symbols, sorted.</summary>
    public IReadOnlyList<string> Symbols => [.. Volatile.Read(ref state).Symbols];

    /// <summary>The assets of the tracked symbols (<c>BTC</c> for <c>BTC-USD</c>).</summary>
    public IReadOnlySet<string> Assets => Volatile.Read(ref state).Assets;

    /// <returns>False when the symbol was already tracked.</returns>
    public bool Add(CanonicalSymbol symbol) => Update(set => set.Add(symbol.ToString()));

    /// <returns>False when the symbol was not tracked.</returns>
    public bool Remove(CanonicalSymbol symbol) => Update(set => set.Remove(symbol.ToString()));

    private bool Update(Func<ImmutableSortedSet<string>, ImmutableSortedSet<string>> change)
    {
        lock (gate)
        {
            var after = change(state.Symbols);
            if (after == state.Symbols)
            {
                return false;
            }

            Volatile.Write(ref state, new State(after));
        }

        Changed?.Invoke(this, EventArgs.Empty);
        return true;
    }

    // Symbols and their assets change together, so readers never see one without the other.
    private sealed class State(ImmutableSortedSet<string> symbols)
    {
        public ImmutableSortedSet<string> Symbols { get; } = symbols;

        public FrozenSet<string> Assets { get; } = symbols.Select(CanonicalSymbol.AssetOf).ToFrozenSet(StringComparer.Ordinal);
    }
}
