using System.Globalization;
using System.Text.Json;

namespace CryptoStreams.Extractors.Core.Polling;

/// <summary>Reads prices and times from JSON payloads exactly: decimals from the number's text, never through double.</summary>
public static class PayloadNumbers
{
    /// <summary>A JSON number or a string holding one, as decimal.</summary>
    public static bool TryGetDecimal(JsonElement element, out decimal value)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Number:
                if (element.TryGetDecimal(out value))
                {
                    return true;
                }

                // System.Text.Json's decimal reader refuses some exponent forms; the raw text still parses exactly.
                return decimal.TryParse(element.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            case JsonValueKind.String:
                return decimal.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);
            default:
                value = 0;
                return false;
        }
    }

    /// <summary>Unix seconds or milliseconds (number or numeric string) as UTC time.</summary>
    public static bool TryGetUnixTime(JsonElement element, bool milliseconds, out DateTimeOffset time)
    {
        time = default;
        long raw;
        if (element.ValueKind == JsonValueKind.Number)
        {
            if (!element.TryGetInt64(out raw))
            {
                return false;
            }
        }
        else if (element.ValueKind != JsonValueKind.String
                 || !long.TryParse(element.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out raw))
        {
            return false;
        }

        try
        {
            time = milliseconds ? DateTimeOffset.FromUnixTimeMilliseconds(raw) : DateTimeOffset.FromUnixTimeSeconds(raw);
            return raw > 0;
        }
        catch (ArgumentOutOfRangeException)
        {
            return false;
        }
    }
}
