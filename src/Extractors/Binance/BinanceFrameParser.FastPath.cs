using System.Diagnostics.CodeAnalysis;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Binance;

/// <summary>
/// The fast path for the frame that dominates a Binance connection: one <c>@aggTrade</c> (or <c>@trade</c>) event,
/// alone or in the combined-stream envelope, spelled byte for byte as Binance sends it. Tokenising the frame with
/// <see cref="System.Text.Json.Utf8JsonReader"/> cost more than everything else in parsing it; this reads it in one
/// pass instead. Anything it does not fully understand (another field order, extra or missing fields, whitespace,
/// escapes, other number spellings, an invalid value) goes to the general parser, which therefore still decides
/// every rejection and its reason.
/// </summary>
public sealed partial class BinanceFrameParser
{
    private long fastPathFrames;

    /// <summary>How many frames <see cref="Parse(ReadOnlySpan{byte}, DateTimeOffset)"/> read through the fast path.</summary>
    internal long FastPathFrames => Interlocked.Read(ref fastPathFrames);

    /// <summary>
    /// Reads a trade frame of the exact expected shape; false means "not understood here", never "invalid".
    /// Where it returns true, the general parser gives the same tick.
    /// </summary>
    internal bool TryReadTradeFrame(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt, [NotNullWhen(true)] out Tick? tick)
    {
        tick = null;
        var scanner = new TradeFrameScanner(frame);
        var enveloped = scanner.Literal("{\"stream\":"u8);
        if (enveloped && !(scanner.PlainString(out _) && scanner.Literal(",\"data\":"u8)))
        {
            return false;
        }

        if (!TryReadTradeEvent(ref scanner, receivedAt, out tick) || (enveloped && !scanner.Byte((byte)'}')) || !scanner.AtEnd)
        {
            tick = null;
            return false;
        }

        return true;
    }

    private bool TryReadTradeEvent(ref TradeFrameScanner scanner, DateTimeOffset receivedAt, [NotNullWhen(true)] out Tick? tick)
    {
        tick = null;
        bool aggregate;
        if (scanner.Literal("{\"e\":\"aggTrade\",\"E\":"u8))
        {
            aggregate = true;
        }
        else if (scanner.Literal("{\"e\":\"trade\",\"E\":"u8))
        {
            aggregate = false;
        }
        else
        {
            return false;
        }

        // E (event time) only stands in when there is no trade time T; here T always follows.
        if (!(scanner.WholeNumber(out _)
            && scanner.Literal(",\"s\":"u8) && scanner.PlainString(out var venueSymbol)
            && scanner.Literal(aggregate ? ",\"a\":"u8 : ",\"t\":"u8) && scanner.WholeNumber(out var id)
            && scanner.Literal(",\"p\":"u8) && scanner.QuotedPositiveDecimal(out var price)
            && scanner.Literal(",\"q\":"u8) && scanner.QuotedPositiveDecimal(out var size)
            && (!aggregate || (scanner.Literal(",\"f\":"u8) && scanner.WholeNumber(out _) && scanner.Literal(",\"l\":"u8) && scanner.WholeNumber(out _)))
            && scanner.Literal(",\"T\":"u8) && scanner.WholeNumber(out var tradeTime)
            && scanner.Literal(",\"m\":"u8) && scanner.Boolean(out var buyerIsMaker)
            && scanner.Literal(",\"M\":"u8) && scanner.Boolean(out _)
            && scanner.Byte((byte)'}')
            && JsonText.TryFromUnixMilliseconds(tradeTime, out var eventTime)
            && symbols.TryCanonical(venueSymbol, out var symbol, out _)))
        {
            return false;
        }

        tick = new Tick(Sources.Binance, TickKind.Trade, symbol, price, size, buyerIsMaker ? TradeSide.Sell : TradeSide.Buy, JsonText.IdText(id), eventTime, receivedAt);
        return true;
    }
}
