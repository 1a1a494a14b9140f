using System.Collections.Concurrent;
using System.Collections.Frozen;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>One instrument of a venue's list: canonical symbol, whether it trades now, and the venue's own status word.</summary>
/// <param name="Symbol">Canonical symbol (<c>BTC-USDT</c>).</param>
/// <param name="Trading">The venue accepts orders and prints trades for it now.</param>
/// <param name="Status">The venue's status text (<c>TRADING</c>, <c>BREAK</c>, <c>suspend</c>, <c>delisted</c>, …).</param>
public sealed record VenueInstrument(string Symbol, bool Trading, string Status);

/// <summary>Whether a venue offers a symbol, by its last instrument list.</summary>
public enum InstrumentAvailability
{
    /// <summary>Listed and trading (or the list has not been loaded yet: nothing is known against it).</summary>
    Trading,

    /// <summary>Listed but not trading (halted, suspended, delisted, cancel-only…).</summary>
    Halted,

    /// <summary>Not in the venue's list at all.</summary>
    Unknown,
}

/// <summary>
/// The venues' instrument lists as the scheduled instrument refresh last loaded them (a singleton shared by the
/// refresh jobs and the connectors). A connector leaves out of its subscription any symbol its venue lists as not
/// trading or does not list at all, and re-subscribes when a refresh changes that. Until a venue's first refresh
/// succeeds every symbol counts as trading, so an unreachable REST API never stops the stream.
/// </summary>
public sealed class VenueInstruments
{
    private readonly ConcurrentDictionary<string, Listing> listings = new(StringComparer.Ordinal);

    /// <summary>Raised after a venue's list was replaced, with the venue's source name; on the refreshing thread.</summary>
    public event EventHandler<string>? Refreshed;

    /// <summary>Replaces <paramref name="source"/>'s list.</summary>
    public void Update(string source, IEnumerable<VenueInstrument> instruments, DateTimeOffset refreshedAt)
    {
        ArgumentNullException.ThrowIfNull(instruments);
        var bySymbol = new Dictionary<string, VenueInstrument>(StringComparer.Ordinal);
        foreach (var instrument in instruments)
        {
            // A venue may list one pair twice (e.g. in several markets); trading in any of them counts.
            if (!bySymbol.TryGetValue(instrument.Symbol, out var seen) || (!seen.Trading && instrument.Trading))
            {
                bySymbol[instrument.Symbol] = instrument;
            }
        }

        listings[source] = new Listing(bySymbol.ToFrozenDictionary(StringComparer.Ordinal), refreshedAt);
        Refreshed?.Invoke(this, source);
    }

    /// <summary>When <paramref name="source"/>'s list was last loaded, or null if never.</summary>
    public DateTimeOffset? RefreshedAt(string source) => listings.TryGetValue(source, out var listing) ? listing.RefreshedAt : null;

    /// <summary>Instruments in <paramref name="source"/>'s last list (0 when never loaded).</summary>
    public int Count(string source) => listings.TryGetValue(source, out var listing) ? listing.Instruments.Count : 0;

    /// <summary>Whether <paramref name="source"/> offers <paramref name="symbol"/>, and the venue's status word.</summary>
    public (InstrumentAvailability Availability, string Status) Check(string source, string symbol)
    {
        if (!listings.TryGetValue(source, out var listing))
        {
            return (InstrumentAvailability.Trading, "not checked yet");
        }

        if (!listing.Instruments.TryGetValue(symbol, out var instrument))
        {
            return (InstrumentAvailability.Unknown, "unknown");
        }

        return (instrument.Trading ? InstrumentAvailability.Trading : InstrumentAvailability.Halted, instrument.Status);
    }

    /// <summary>
    /// Splits <paramref name="symbols"/> into the ones to stream and the ones to leave out, each of the latter
    /// described for logs and the status view (<c>LINK-USDT: halted (BREAK)</c>, <c>FOO-USDT: unknown on binance</c>).
    /// </summary>
    public (IReadOnlyList<string> Trading, IReadOnlyList<string> Unavailable) Split(string source, IReadOnlyList<string> symbols)
    {
        ArgumentNullException.ThrowIfNull(symbols);
        var trading = new List<string>(symbols.Count);
        var unavailable = new List<string>();
        foreach (var symbol in symbols)
        {
            var (availability, status) = Check(source, symbol);
            switch (availability)
            {
                case InstrumentAvailability.Trading:
                    trading.Add(symbol);
                    break;
                case InstrumentAvailability.Halted:
                    unavailable.Add($"{symbol}: halted on {source} ({status})");
                    break;
                default:
                    unavailable.Add($"{symbol}: unknown on {source}");
                    break;
            }
        }

        return (trading, unavailable);
    }

    private sealed record Listing(FrozenDictionary<string, VenueInstrument> Instruments, DateTimeOffset RefreshedAt);
}
