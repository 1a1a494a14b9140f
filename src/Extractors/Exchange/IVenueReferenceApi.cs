using System.Text.Json;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// A venue's REST reference data for the scheduled jobs: its instrument list and its 1-minute candles. Each venue
/// spells the requests and the answers its own way; the jobs (<see cref="InstrumentRefreshJob"/>,
/// <see cref="CandleBackfillJob"/>) and replay are the same for all.
/// </summary>
public interface IVenueReferenceApi
{
    string Source { get; }

    /// <summary>Path and query of the instrument list, relative to the venue's REST base.</summary>
    string InstrumentsPath { get; }

    /// <summary>Reads the instrument list; throws <see cref="VenuePayloadException"/> for a body it cannot use.</summary>
    IReadOnlyList<VenueInstrument> ReadInstruments(ReadOnlySpan<byte> body);

    /// <summary>Path and query asking for the last <paramref name="count"/> 1-minute candles of a canonical symbol up to <paramref name="now"/>.</summary>
    string CandlesPath(string symbol, int count, DateTimeOffset now);

    /// <summary>
    /// Reads a candles answer for a canonical symbol into final 1-minute <see cref="Candle"/>s, in any order; candles
    /// still open when the answer was received (by the venue's flag, or ending after <paramref name="receivedAt"/>)
    /// are left out, so a replay decides exactly as the live run did. Throws <see cref="VenuePayloadException"/> for a
    /// body it cannot use.
    /// </summary>
    IReadOnlyList<Candle> ReadCandles(string symbol, ReadOnlySpan<byte> body, DateTimeOffset receivedAt);
}

/// <summary>A reference-data answer the venue's reader cannot use; <see cref="Reason"/> is a stable reject code.</summary>
public sealed class VenuePayloadException : FormatException
{
    public VenuePayloadException()
    {
    }

    public VenuePayloadException(string message)
        : base(message)
    {
    }

    public VenuePayloadException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public VenuePayloadException(string reason, string message)
        : base(message) => Reason = reason;

    public string Reason { get; } = RejectReasons.Malformed;
}

/// <summary>Helpers the venues' reference readers share.</summary>
public static class VenueReference
{
    public static readonly TimeSpan OneMinute = TimeSpan.FromMinutes(1);

    /// <summary>Parses a JSON body, turning a syntax error into a <see cref="VenuePayloadException"/>.</summary>
    public static JsonDocument Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            return JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            throw new VenuePayloadException(RejectReasons.Malformed, "not JSON: " + ex.Message);
        }
    }

    /// <summary>Reads every element of a venue's instrument array: base and quote from the named fields, the state by the venue's rule.</summary>
    public static IReadOnlyList<VenueInstrument> Instruments(JsonElement array, string baseField, string quoteField, Func<JsonElement, (bool Trading, string Status)> state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var instruments = new List<VenueInstrument>(array.GetArrayLength());
        foreach (var element in array.EnumerateArray())
        {
            var (trading, status) = state(element);
            instruments.Add(new VenueInstrument(Symbol(Text(element, baseField), Text(element, quoteField)), trading, status));
        }

        return instruments;
    }

    /// <summary>Reads every row (an array of at least <paramref name="rowLength"/> elements) of a candles answer; <paramref name="read"/> gives null for a still-open candle.</summary>
    public static IReadOnlyList<Candle> Candles(JsonElement rows, int rowLength, Func<JsonElement, Candle?> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        var candles = new List<Candle>(rows.GetArrayLength());
        foreach (var element in rows.EnumerateArray())
        {
            if (read(Row(element, rowLength)) is { } candle)
            {
                candles.Add(candle);
            }
        }

        return candles;
    }

    /// <summary>The array under <c>data</c> of a <c>{code, data}</c> envelope, after checking the venue's success code.</summary>
    public static JsonElement DataArray(JsonElement root, string okCode)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new VenuePayloadException(RejectReasons.UnknownMessage, $"expected an object, found {root.ValueKind}");
        }

        if (root.TryGetProperty("code", out var code) && (code.ValueKind == JsonValueKind.String ? code.GetString() : code.GetRawText()) != okCode)
        {
            var message = root.TryGetProperty("msg", out var msg) ? msg.ToString() : string.Empty;
            throw new VenuePayloadException(RejectReasons.VenueError, $"venue error code {code} {message}".TrimEnd());
        }

        if (!root.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            throw new VenuePayloadException(RejectReasons.MissingField, "no data array");
        }

        return data;
    }

    /// <summary>The root array of an array answer.</summary>
    public static JsonElement RootArray(JsonElement root)
    {
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("message", out var message))
        {
            throw new VenuePayloadException(RejectReasons.VenueError, "venue error: " + message);
        }

        return root.ValueKind == JsonValueKind.Array
            ? root
            : throw new VenuePayloadException(RejectReasons.UnknownMessage, $"expected an array, found {root.ValueKind}");
    }

    /// <summary>A string property, or a specific error naming it.</summary>
    public static string Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new VenuePayloadException(RejectReasons.MissingField, $"instrument has no string '{property}'");

    /// <summary>A canonical symbol from the venue's base and quote currency codes.</summary>
    public static string Symbol(string baseCurrency, string quoteCurrency) =>
        CanonicalSymbol.TryParse(baseCurrency + "-" + quoteCurrency, out var symbol, out var error)
            ? symbol.ToString()
            : throw new VenuePayloadException(RejectReasons.InvalidSymbol, error);

    /// <summary>Element <paramref name="index"/> of a candle row as a decimal read from its text.</summary>
    public static decimal Number(JsonElement row, int index, string what) =>
        index < row.GetArrayLength() && Core.Polling.PayloadNumbers.TryGetDecimal(row[index], out var value)
            ? value
            : throw new VenuePayloadException(RejectReasons.InvalidPrice, $"candle {what} (element {index}) is not a number");

    /// <summary>Element <paramref name="index"/> of a candle row as a Unix time.</summary>
    public static DateTimeOffset Time(JsonElement row, int index, bool milliseconds) =>
        index < row.GetArrayLength() && Core.Polling.PayloadNumbers.TryGetUnixTime(row[index], milliseconds, out var time)
            ? time
            : throw new VenuePayloadException(RejectReasons.InvalidTime, $"candle time (element {index}) is not a Unix time");

    /// <summary>Checks a row is an array of at least <paramref name="length"/> elements.</summary>
    private static JsonElement Row(JsonElement row, int length) =>
        row.ValueKind == JsonValueKind.Array && row.GetArrayLength() >= length
            ? row
            : throw new VenuePayloadException(RejectReasons.UnknownMessage, $"candle is not an array of at least {length} elements");

    /// <summary>
    /// A final 1-minute venue candle. VWAP is quote volume / base volume when the venue reports the quote volume;
    /// otherwise (Coinbase) the typical price (high + low + close) / 3, the usual stand-in. Count is the venue's trade
    /// count, or 0 where the venue does not report one.
    /// </summary>
    public static Candle Candle(string source, string symbol, DateTimeOffset start, decimal open, decimal high, decimal low, decimal close, decimal volume, decimal? quoteVolume, long count)
    {
        if (open <= 0 || high <= 0 || low <= 0 || close <= 0)
        {
            throw new VenuePayloadException(RejectReasons.InvalidPrice, $"candle {start:o} has a price that is not positive");
        }

        if (high < low || open > high || open < low || close > high || close < low)
        {
            throw new VenuePayloadException(RejectReasons.InvalidPrice, $"candle {start:o}: open/close outside low..high");
        }

        if (volume < 0 || quoteVolume < 0 || count < 0)
        {
            throw new VenuePayloadException(RejectReasons.InvalidSize, $"candle {start:o} has a negative volume or count");
        }

        var vwap = quoteVolume is { } quote && volume > 0 && quote > 0 ? quote / volume : (high + low + close) / 3;
        if (vwap < low || vwap > high)
        {
            // Rounding of the venue's volumes can push the quotient a hair outside the range.
            vwap = Math.Clamp(vwap, low, high);
        }

        return new Candle(source, symbol, TickKind.Trade, start, start + OneMinute, open, high, low, close, vwap, volume, count, Coverage.Complete, Final: true);
    }
}
