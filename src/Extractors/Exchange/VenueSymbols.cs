using System.Collections.Concurrent;
using System.Text.Json;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Converts a venue's symbol spelling to the canonical one (<see cref="CanonicalSymbol.Parse"/>) and remembers
/// the answer, so the hot path does one dictionary lookup on the raw characters instead of re-parsing every trade.
/// </summary>
internal sealed class VenueSymbols
{
    // Bounded so that a stream of garbage symbols cannot grow the cache without limit.
    private const int MaxCached = 4096;
    private const int MaxSymbolLength = 32;

    private readonly ConcurrentDictionary<string, string> canonicalByVenue = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> lookup;

    public VenueSymbols() => lookup = canonicalByVenue.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>Reads the current string token as a symbol.</summary>
    public bool TryRead(ref Utf8JsonReader reader, out string canonical, out string error)
    {
        canonical = string.Empty;
        if (reader.TokenType != JsonTokenType.String)
        {
            error = $"symbol is a {reader.TokenType}, not a string";
            return false;
        }

        if (reader.ValueIsEscaped || reader.HasValueSequence)
        {
            return TryCanonical(reader.GetString(), out canonical, out error);
        }

        return TryCanonical(reader.ValueSpan, out canonical, out error);
    }

    /// <summary>Converts a symbol given as the unescaped UTF-8 content of a JSON string.</summary>
    public bool TryCanonical(ReadOnlySpan<byte> utf8, out string canonical, out string error)
    {
        canonical = string.Empty;
        if (utf8.Length is 0 or > MaxSymbolLength)
        {
            error = utf8.Length == 0 ? "symbol is empty" : "symbol is too long";
            return false;
        }

        Span<char> chars = stackalloc char[MaxSymbolLength];
        for (var i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] >= 0x80)
            {
                error = "symbol contains non-ASCII characters";
                return false;
            }

            chars[i] = (char)utf8[i];
        }

        if (lookup.TryGetValue(chars[..utf8.Length], out var cached))
        {
            canonical = cached;
            error = string.Empty;
            return true;
        }

        return TryCanonical(new string(chars[..utf8.Length]), out canonical, out error);
    }

    public bool TryCanonical(string? venueSymbol, out string canonical, out string error)
    {
        if (!CanonicalSymbol.TryParse(venueSymbol, out var symbol, out var why))
        {
            canonical = string.Empty;
            error = why;
            return false;
        }

        canonical = symbol.ToString();
        if (venueSymbol is not null && canonicalByVenue.Count < MaxCached)
        {
            canonicalByVenue.TryAdd(venueSymbol, canonical);
        }

        error = string.Empty;
        return true;
    }
}
