using System.Text;
using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// The fields of one trade as they are read from a frame, in whatever order the venue sends them. Every reader
/// method validates as it goes and keeps the first problem, so a parser ends with either a tick or one specific
/// reason.
/// </summary>
internal struct TradeDraft
{
    private string? symbol;
    private decimal price;
    private decimal size;
    private TradeSide side;
    private string? tradeId;
    private DateTimeOffset? eventTime;

    public string? RejectReason { get; private set; }

    public string? RejectDetail { get; private set; }

    public readonly bool Failed => RejectReason is not null;

    public void Fail(string reason, string detail)
    {
        if (RejectReason is null)
        {
            RejectReason = reason;
            RejectDetail = detail;
        }
    }

    public void ReadSymbol(ref Utf8JsonReader reader, VenueSymbols symbols)
    {
        if (symbols.TryRead(ref reader, out var canonical, out var error))
        {
            symbol = canonical;
        }
        else
        {
            Fail(RejectReasons.InvalidSymbol, error);
        }
    }

    public void SetSymbol(string canonical) => symbol = canonical;

    public void ReadPrice(ref Utf8JsonReader reader)
    {
        if (!JsonText.TryGetDecimal(ref reader, out price) || price <= 0)
        {
            Fail(RejectReasons.InvalidPrice, $"price '{JsonText.Describe(ref reader)}' is not a positive decimal");
        }
    }

    public void ReadSize(ref Utf8JsonReader reader)
    {
        if (!JsonText.TryGetDecimal(ref reader, out size) || size <= 0)
        {
            Fail(RejectReasons.InvalidSize, $"size '{JsonText.Describe(ref reader)}' is not a positive decimal");
        }
    }

    public void SetSide(TradeSide taker) => side = taker;

    public void SetTradeId(long id) => tradeId = JsonText.IdText(id);

    /// <summary>Reads a JSON boolean "buyer is maker" (Binance): true means the taker sold.</summary>
    public void ReadBuyerIsMaker(ref Utf8JsonReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True:
                side = TradeSide.Sell;
                break;
            case JsonTokenType.False:
                side = TradeSide.Buy;
                break;
            default:
                Fail(RejectReasons.InvalidSide, $"buyer-is-maker flag '{JsonText.Describe(ref reader)}' is not a boolean");
                break;
        }
    }

    /// <summary>Reads <c>"buy"</c>/<c>"sell"</c>; <paramref name="makerSide"/> inverts it (Coinbase reports the maker).</summary>
    public void ReadSide(ref Utf8JsonReader reader, bool makerSide)
    {
        TradeSide read;
        if (JsonText.StringIs(ref reader, "buy"u8))
        {
            read = TradeSide.Buy;
        }
        else if (JsonText.StringIs(ref reader, "sell"u8))
        {
            read = TradeSide.Sell;
        }
        else
        {
            Fail(RejectReasons.InvalidSide, $"side '{JsonText.Describe(ref reader)}' is neither buy nor sell");
            return;
        }

        side = makerSide ? (read == TradeSide.Buy ? TradeSide.Sell : TradeSide.Buy) : read;
    }

    /// <summary>Trade ids are whole non-negative numbers at every venue we read (sent as number or string).</summary>
    public void ReadTradeId(ref Utf8JsonReader reader)
    {
        if (JsonText.TryGetInt64(ref reader, out var id) && id >= 0)
        {
            tradeId = JsonText.IdText(id);
        }
        else
        {
            Fail(RejectReasons.InvalidTradeId, $"trade id '{JsonText.Describe(ref reader)}' is not a whole number");
        }
    }

    public void ReadUnixMilliseconds(ref Utf8JsonReader reader)
    {
        if (JsonText.TryGetInt64(ref reader, out var ms) && JsonText.TryFromUnixMilliseconds(ms, out var time))
        {
            eventTime = time;
        }
        else
        {
            Fail(RejectReasons.InvalidTime, $"time '{JsonText.Describe(ref reader)}' is not epoch milliseconds");
        }
    }

    public void ReadUnixNanoseconds(ref Utf8JsonReader reader)
    {
        if (JsonText.TryGetInt64(ref reader, out var ns) && JsonText.TryFromUnixNanoseconds(ns, out var time))
        {
            eventTime = time;
        }
        else
        {
            Fail(RejectReasons.InvalidTime, $"time '{JsonText.Describe(ref reader)}' is not epoch nanoseconds");
        }
    }

    public void ReadIsoTime(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out var time))
        {
            eventTime = time.ToUniversalTime();
        }
        else
        {
            Fail(RejectReasons.InvalidTime, $"time '{JsonText.Describe(ref reader)}' is not an ISO 8601 time");
        }
    }

    /// <summary>Only fills the event time when no better one was read (Binance: trade time over event time).</summary>
    public void ReadFallbackUnixMilliseconds(ref Utf8JsonReader reader)
    {
        if (eventTime is null && JsonText.TryGetInt64(ref reader, out var ms) && JsonText.TryFromUnixMilliseconds(ms, out var time))
        {
            eventTime = time;
        }
    }

    public void OverrideEventTime(ref Utf8JsonReader reader)
    {
        eventTime = null;
        ReadUnixMilliseconds(ref reader);
    }

    /// <summary>The tick, or false with <see cref="RejectReason"/> set.</summary>
    public bool TryBuild(string source, DateTimeOffset receivedAt, out Tick tick)
    {
        tick = null!;
        if (Failed)
        {
            return false;
        }

        var missing = symbol is null ? "symbol"
            : price == 0 ? "price"
            : size == 0 ? "size"
            : side == TradeSide.Unknown ? "side"
            : tradeId is null ? "trade id"
            : eventTime is null ? "time"
            : null;
        if (missing is not null)
        {
            Fail(RejectReasons.MissingField, $"trade has no {missing}");
            return false;
        }

        tick = new Tick(source, TickKind.Trade, symbol!, price, size, side, tradeId, eventTime!.Value, receivedAt);
        return true;
    }
}

/// <summary>Shared frame-level handling: malformed JSON and reader misuse become rejections, never exceptions.</summary>
internal static class FrameParsing
{
    public delegate FrameParseResult Body<TState>(ref Utf8JsonReader reader, TState state);

    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 16 };

    public static FrameParseResult Run<TState>(ReadOnlySpan<byte> frame, TState state, Body<TState> body)
    {
        if (frame.IsEmpty)
        {
            return FrameParseResult.Rejected(RejectReasons.Empty, "frame has no bytes");
        }

        try
        {
            var reader = new Utf8JsonReader(frame, ReaderOptions);
            if (!reader.Read())
            {
                return FrameParseResult.Rejected(RejectReasons.Empty, "frame has no JSON value");
            }

            var result = body(ref reader, state);
            if (result.IsRejected)
            {
                return result;
            }

            // Trailing garbage after a valid value means the frame is not what we think it is.
            return reader.Read() ? FrameParseResult.Rejected(RejectReasons.Malformed, "data after the JSON value") : result;
        }
        catch (JsonException ex)
        {
            return FrameParseResult.Rejected(RejectReasons.Malformed, Shorten(ex.Message));
        }
        catch (InvalidOperationException ex)
        {
            // Utf8JsonReader throws this when a value has an unexpected token type.
            return FrameParseResult.Rejected(RejectReasons.Malformed, Shorten(ex.Message));
        }
        catch (FormatException ex)
        {
            return FrameParseResult.Rejected(RejectReasons.Malformed, Shorten(ex.Message));
        }
    }

    /// <summary>Reads one trade field, chosen by its property name, into the draft.</summary>
    public delegate void FieldReader(ref Utf8JsonReader reader, ref TradeDraft draft, ReadOnlySpan<byte> name);

    /// <summary>
    /// Reads a REST history body that is a bare array of trade objects without a symbol (Binance, Coinbase); an
    /// object instead of the array is the venue's error answer.
    /// </summary>
    public static FrameParseResult ReadTradeArray(ref Utf8JsonReader reader, string source, string symbol, DateTimeOffset receivedAt, FieldReader readField)
    {
        if (reader.TokenType == JsonTokenType.StartObject)
        {
            reader.Skip();
            return FrameParseResult.Rejected(RejectReasons.VenueError, $"{source} answered with an error object instead of trades");
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"expected an array of trades, found {reader.TokenType}");
        }

        var ticks = new List<Tick>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return FrameParseResult.Rejected(RejectReasons.UnknownMessage, "trade history element is not an object");
            }

            var draft = new TradeDraft();
            draft.SetSymbol(symbol);
            while (NextProperty(ref reader))
            {
                var name = reader.ValueSpan;
                ToValue(ref reader);
                readField(ref reader, ref draft, name);
            }

            if (!draft.TryBuild(source, receivedAt, out var tick))
            {
                return Reject(draft);
            }

            ticks.Add(tick);
        }

        return FrameParseResult.Of(ticks);
    }

    public static FrameParseResult Reject(in TradeDraft draft) =>
        FrameParseResult.Rejected(draft.RejectReason ?? RejectReasons.Malformed, draft.RejectDetail ?? "invalid trade");

    /// <summary>Reads a property name and moves to its value; false at the end of the object.</summary>
    public static bool NextProperty(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType == JsonTokenType.EndObject)
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.PropertyName)
        {
            throw new JsonException($"expected a property name, found {reader.TokenType}");
        }

        return true;
    }

    /// <summary>Moves from a property name to its value.</summary>
    public static void ToValue(ref Utf8JsonReader reader)
    {
        if (!reader.Read())
        {
            throw new JsonException("property has no value");
        }
    }

    public static bool NameIs(ref Utf8JsonReader reader, ReadOnlySpan<byte> name) => reader.ValueSpan.SequenceEqual(name);

    public static string Text(ReadOnlySpan<byte> utf8) => Encoding.UTF8.GetString(utf8);

    private static string Shorten(string message) => message.Length <= 160 ? message : message[..160] + "…";
}
