using System.Diagnostics.CodeAnalysis;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Okx;

/// <summary>
/// The fast path for the frame that dominates an OKX connection: a <c>trades</c> push with one or more trades,
/// spelled byte for byte as OKX sends it (the trailing <c>count</c>, <c>source</c> and <c>seqId</c> may be absent).
/// Tokenising the frame with <see cref="System.Text.Json.Utf8JsonReader"/> cost more than everything else in parsing
/// it; this reads it in one pass instead. Anything it does not fully understand (another field order, extra or
/// missing fields, whitespace, escapes, other number spellings, an invalid value) goes to the general parser, which
/// therefore still decides every rejection and its reason.
/// </summary>
public sealed partial class OkxFrameParser
{
    private long fastPathFrames;

    /// <summary>How many frames <see cref="Parse(string, ReadOnlySpan{byte}, DateTimeOffset)"/> read through the fast path.</summary>
    internal long FastPathFrames => Interlocked.Read(ref fastPathFrames);

    /// <summary>
    /// Reads a trades push of the exact expected shape; false means "not understood here", never "invalid".
    /// Where it returns true, the general parser gives the same ticks.
    /// </summary>
    internal bool TryReadTradesFrame(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt, [NotNullWhen(true)] out IReadOnlyList<Tick>? ticks)
    {
        ticks = null;
        var scanner = new TradeFrameScanner(frame);
        if (!(scanner.Literal("{\"arg\":{\"channel\":\"trades\",\"instId\":"u8) && scanner.PlainString(out _) && scanner.Literal("},\"data\":["u8)
            && TryReadTrade(ref scanner, receivedAt, out var first)))
        {
            return false;
        }

        // Nearly every push carries one trade: a list only when there are more.
        List<Tick>? all = null;
        while (scanner.Byte((byte)','))
        {
            if (!TryReadTrade(ref scanner, receivedAt, out var next))
            {
                return false;
            }

            (all ??= [first]).Add(next);
        }

        if (!(scanner.Literal("]}"u8) && scanner.AtEnd))
        {
            return false;
        }

        ticks = all ?? (IReadOnlyList<Tick>)[first];
        return true;
    }

    private bool TryReadTrade(ref TradeFrameScanner scanner, DateTimeOffset receivedAt, [NotNullWhen(true)] out Tick? tick)
    {
        tick = null;
        if (!(scanner.Literal("{\"instId\":"u8) && scanner.PlainString(out var venueSymbol)
            && scanner.Literal(",\"tradeId\":"u8) && scanner.QuotedWholeNumber(out var id)
            && scanner.Literal(",\"px\":"u8) && scanner.QuotedPositiveDecimal(out var price)
            && scanner.Literal(",\"sz\":"u8) && scanner.QuotedPositiveDecimal(out var size)
            && scanner.Literal(",\"side\":"u8) && TryReadTakerSide(ref scanner, out var side)
            && scanner.Literal(",\"ts\":"u8) && scanner.QuotedWholeNumber(out var timestamp)
            && (!scanner.Literal(",\"count\":"u8) || scanner.QuotedWholeNumber(out _))
            && (!scanner.Literal(",\"source\":"u8) || scanner.QuotedWholeNumber(out _))
            && (!scanner.Literal(",\"seqId\":"u8) || scanner.WholeNumber(out _))
            && scanner.Byte((byte)'}')
            && JsonText.TryFromUnixMilliseconds(timestamp, out var eventTime)
            && symbols.TryCanonical(venueSymbol, out var symbol, out _)))
        {
            return false;
        }

        tick = new Tick(Sources.Okx, TickKind.Trade, symbol, price, size, side, JsonText.IdText(id), eventTime, receivedAt);
        return true;
    }

    private static bool TryReadTakerSide(ref TradeFrameScanner scanner, out TradeSide side)
    {
        side = scanner.Literal("\"buy\""u8) ? TradeSide.Buy
            : scanner.Literal("\"sell\""u8) ? TradeSide.Sell
            : TradeSide.Unknown;
        return side != TradeSide.Unknown;
    }
}
