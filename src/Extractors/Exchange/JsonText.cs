using System.Buffers.Text;
using System.Globalization;
using System.Text.Json;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Reads venue values straight from the JSON text. Venues send prices as strings ("42219.9") or bare numbers;
/// both are parsed as <see cref="decimal"/> from their characters, never through a double.
/// </summary>
internal static class JsonText
{
    /// <summary>Reads the current string or number token as a decimal.</summary>
    public static bool TryGetDecimal(ref Utf8JsonReader reader, out decimal value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetDecimal(out value);
            case JsonTokenType.String when !reader.ValueIsEscaped && !reader.HasValueSequence:
                var span = reader.ValueSpan;
                value = 0;
                return span.Length > 0 && Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length;
            case JsonTokenType.String:
                return decimal.TryParse(reader.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>Reads the current string or number token as a whole number (ids, epoch times).</summary>
    public static bool TryGetInt64(ref Utf8JsonReader reader, out long value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out value);
            case JsonTokenType.String when !reader.ValueIsEscaped && !reader.HasValueSequence:
                var span = reader.ValueSpan;
                value = 0;
                return span.Length > 0 && Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length;
            case JsonTokenType.String:
                return long.TryParse(reader.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out value);
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>True when the current token is the given ASCII string (escaped text never matches).</summary>
    public static bool StringIs(ref Utf8JsonReader reader, ReadOnlySpan<byte> text) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && reader.ValueSpan.SequenceEqual(text);

    /// <summary>The current string token as text for an error message, shortened.</summary>
    public static string Describe(ref Utf8JsonReader reader)
    {
        var text = reader.TokenType switch
        {
            JsonTokenType.String => reader.GetString() ?? string.Empty,
            JsonTokenType.Number or JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null =>
                System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
            _ => reader.TokenType.ToString(),
        };
        return text.Length <= 64 ? text : text[..64] + "…";
    }

    /// <summary>Milliseconds since the Unix epoch as UTC, when in range.</summary>
    public static bool TryFromUnixMilliseconds(long milliseconds, out DateTimeOffset time)
    {
        // 1970..9999; anything else is not a trade time.
        if (milliseconds is < 0 or > 253_402_300_799_999)
        {
            time = default;
            return false;
        }

        time = DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
        return true;
    }

    /// <summary>Nanoseconds since the Unix epoch (KuCoin) as UTC, to the 100 ns a DateTimeOffset holds.</summary>
    public static bool TryFromUnixNanoseconds(long nanoseconds, out DateTimeOffset time)
    {
        if (nanoseconds < 0)
        {
            time = default;
            return false;
        }

        time = DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
        return true;
    }

    public static string IdText(long id) => id.ToString(CultureInfo.InvariantCulture);
}
