using CryptoStreams.Extractors.Core;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// A frame parser that also reads REST history responses. Those bodies often do not name the symbol
/// (Binance aggTrades, Coinbase trades, KuCoin histories), so the channel the frame was recorded under carries it:
/// <c>ws</c> for WebSocket messages, <c>rest:&lt;endpoint&gt;:&lt;venue symbol&gt;</c> for REST responses.
/// Replay should call <see cref="Parse(string, ReadOnlySpan{byte}, DateTimeOffset)"/> with the recorded channel;
/// <see cref="IFrameParser.Parse"/> treats the frame as a WebSocket message.
/// </summary>
public interface IChannelFrameParser : IFrameParser
{
    FrameParseResult Parse(string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt);
}

/// <summary>Channel names used when recording frames.</summary>
public static class FrameChannels
{
    public const string WebSocket = "ws";

    public static string Rest(string endpoint, string venueSymbol) => $"rest:{endpoint}:{venueSymbol}";

    /// <summary>Prefix of the scheduled jobs' REST answers; replay routes them to the jobs' readers, not the trade parser.</summary>
    public const string JobPrefix = "job:";

    /// <summary>The instrument list answer (<c>job:instruments</c>).</summary>
    public const string Instruments = JobPrefix + "instruments";

    /// <summary>A candles answer for a canonical symbol (<c>job:candles:BTC-USDT</c>).</summary>
    public static string Candles(string symbol) => JobPrefix + "candles:" + symbol;

    /// <summary>The canonical symbol of a <see cref="Candles"/> channel, or null for any other channel.</summary>
    public static string? CandlesSymbolOf(string channel) =>
        channel.StartsWith(JobPrefix + "candles:", StringComparison.Ordinal) ? channel[(JobPrefix.Length + 8)..] : null;

    /// <summary>The venue symbol of a REST channel, or null for WebSocket frames.</summary>
    public static string? SymbolOf(string channel)
    {
        if (!channel.StartsWith("rest:", StringComparison.Ordinal))
        {
            return null;
        }

        var colon = channel.LastIndexOf(':');
        return colon > 4 && colon < channel.Length - 1 ? channel[(colon + 1)..] : null;
    }

    /// <summary>The endpoint name of a REST channel (<c>rest:aggTrades:BTCUSDT</c> → <c>aggTrades</c>).</summary>
    public static string? EndpointOf(string channel)
    {
        if (!channel.StartsWith("rest:", StringComparison.Ordinal))
        {
            return null;
        }

        var colon = channel.LastIndexOf(':');
        return colon > 5 ? channel[5..colon] : null;
    }
}

/// <summary>Reject reason codes shared by the exchange parsers (stable: they end up in dead letters).</summary>
public static class RejectReasons
{
    public const string Malformed = "malformed-json";
    public const string MissingField = "missing-field";
    public const string InvalidPrice = "invalid-price";
    public const string InvalidSize = "invalid-size";
    public const string InvalidSymbol = "invalid-symbol";
    public const string InvalidTime = "invalid-time";
    public const string InvalidSide = "invalid-side";
    public const string InvalidTradeId = "invalid-trade-id";
    public const string UnknownMessage = "unknown-message";
    public const string VenueError = "venue-error";
    public const string Empty = "empty-frame";
}
