using System.Diagnostics.CodeAnalysis;

namespace CryptoStreams.Schema;

/// <summary>
/// A trading pair in canonical form: upper case <c>BASE-QUOTE</c> (<c>BTC-USDT</c>). Every record carries its
/// symbol this way; venue spellings are converted with <see cref="Parse"/>.
/// </summary>
public readonly record struct CanonicalSymbol
{
    // Longest first, so BTCUSDT splits as BTC/USDT and not BTCUSD/T.
    private static readonly string[] KnownQuotes =
    [
        "FDUSD", "USDT", "USDC", "TUSD", "BUSD", "DAI", "USD", "EUR", "GBP", "JPY", "TRY", "BRL", "AUD",
        "BTC", "ETH", "BNB", "UST",
    ];

    private static readonly Dictionary<string, string> Aliases = new(StringComparer.Ordinal)
    {
        ["XBT"] = "BTC",
        ["XXBT"] = "BTC",
        ["XETH"] = "ETH",
        ["ZUSD"] = "USD",
        ["ZEUR"] = "EUR",
        ["UST"] = "USDT", // Bitfinex spells Tether UST
    };

    private const int MaxLength = 32;

    public CanonicalSymbol(string baseCurrency, string quoteCurrency)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(baseCurrency);
        ArgumentException.ThrowIfNullOrWhiteSpace(quoteCurrency);
        Base = baseCurrency;
        Quote = quoteCurrency;
    }

    public string Base { get; }

    public string Quote { get; }

    public override string ToString() => $"{Base}-{Quote}";

    /// <summary>The base currency of a canonical symbol string (<c>BTC-USDT</c> → <c>BTC</c>); the Kafka key.</summary>
    public static string AssetOf(string canonical)
    {
        ArgumentNullException.ThrowIfNull(canonical);
        var dash = canonical.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 ? canonical[..dash] : canonical;
    }

    /// <summary>
    /// Converts a venue's spelling to canonical form: <c>BTCUSDT</c>, <c>btcusdt</c>, <c>BTC-USDT</c>,
    /// <c>btc_usdt</c>, <c>XBT/USD</c>, <c>tBTCUSD</c>, <c>tBTC:USD</c>, <c>XXBTZUSD</c>, <c>BTC-USD</c>.
    /// </summary>
    /// <exception cref="SymbolFormatException">The text is not a spot pair we can read; the message says why.</exception>
    public static CanonicalSymbol Parse(string? venueSymbol)
    {
        if (TryParse(venueSymbol, out var symbol, out var error))
        {
            return symbol;
        }

        throw new SymbolFormatException(venueSymbol, error);
    }

    public static bool TryParse(string? venueSymbol, out CanonicalSymbol symbol) => TryParse(venueSymbol, out symbol, out _);

    public static bool TryParse(string? venueSymbol, out CanonicalSymbol symbol, [NotNullWhen(false)] out string? error)
    {
        symbol = default;
        if (string.IsNullOrWhiteSpace(venueSymbol))
        {
            error = "symbol is empty";
            return false;
        }

        var text = venueSymbol.Trim();
        if (text.Length > MaxLength)
        {
            error = $"symbol is longer than {MaxLength} characters";
            return false;
        }

        // Bitfinex trading pairs: tBTCUSD, tBTC:USD (funding symbols start with f and are not pairs).
        if (text.Length > 1 && text[0] == 't' && char.IsUpper(text[1]))
        {
            text = text[1..];
        }

        string? baseText = null;
        string? quoteText = null;
        var separators = text.Count(c => c is '-' or '_' or '/' or ':');
        if (separators > 1)
        {
            error = "more than one separator: derivatives and dated contracts are not spot pairs";
            return false;
        }

        var sep = text.IndexOfAny(['-', '_', '/', ':']);
        if (sep >= 0)
        {
            baseText = text[..sep];
            quoteText = text[(sep + 1)..];
        }
        else
        {
            var upper = text.ToUpperInvariant();
            if (upper.Length == 8 && upper[0] is 'X' && upper[4] is 'Z' or 'X')
            {
                // Kraken's legacy four-letter codes: XXBTZUSD, XETHXXBT.
                baseText = upper[..4];
                quoteText = upper[4..];
            }
            else
            {
                foreach (var quote in KnownQuotes)
                {
                    if (upper.Length > quote.Length && upper.EndsWith(quote, StringComparison.Ordinal))
                    {
                        baseText = upper[..^quote.Length];
                        quoteText = quote;
                        break;
                    }
                }
            }

            if (baseText is null || quoteText is null)
            {
                error = "no separator and no known quote currency at the end (known: " + string.Join(", ", KnownQuotes) + ")";
                return false;
            }
        }

        if (!TryCurrency(baseText, out var b, out error) || !TryCurrency(quoteText, out var q, out error))
        {
            return false;
        }

        if (b == q)
        {
            error = $"base and quote are both {b}";
            return false;
        }

        symbol = new CanonicalSymbol(b, q);
        return true;
    }

    private static bool TryCurrency(string text, out string currency, [NotNullWhen(false)] out string? error)
    {
        currency = string.Empty;
        if (text.Length is < 2 or > 12)
        {
            error = $"currency '{text}' must have 2 to 12 characters";
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiLetterOrDigit(c))
            {
                error = $"currency '{text}' contains '{c}'; only ASCII letters and digits are allowed";
                return false;
            }
        }

        var upper = text.ToUpperInvariant();
        currency = Aliases.TryGetValue(upper, out var alias) ? alias : upper;
        error = null;
        return true;
    }
}

/// <summary>Thrown by <see cref="CanonicalSymbol.Parse"/> for text that is not a spot pair we can read.</summary>
public sealed class SymbolFormatException : FormatException
{
    public SymbolFormatException()
    {
    }

    public SymbolFormatException(string message)
        : base(message)
    {
    }

    public SymbolFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public SymbolFormatException(string? symbol, string reason)
        : base($"Cannot read symbol '{symbol}': {reason}.")
    {
        Symbol = symbol;
        Reason = reason;
    }

    public string? Symbol { get; }

    public string? Reason { get; }
}
