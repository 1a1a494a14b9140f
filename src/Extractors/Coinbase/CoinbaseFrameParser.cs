using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Coinbase;

/// <summary>
/// Reads Coinbase Exchange feed messages (<c>match</c>, <c>last_match</c>, <c>ticker</c>, and the control messages
/// <c>subscriptions</c>, <c>heartbeat</c>) and <c>GET /products/{id}/trades</c> responses. In <c>match</c> messages
/// and the REST trades, <c>side</c> is the MAKER order's side, so the taker side is the opposite; in <c>ticker</c>
/// messages it is the taker's side already.
/// </summary>
public sealed class CoinbaseFrameParser : IChannelFrameParser
{
    public const string TradesEndpoint = "trades";

    private readonly VenueSymbols symbols = new();

    private enum MessageKind
    {
        None,
        Match,
        Ticker,
        Control,
        Error,
        Other,
    }

    public string Source => Sources.Coinbase;

    public FrameParseResult Parse(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt) => Parse(FrameChannels.WebSocket, frame, receivedAt);

    public FrameParseResult Parse(string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var restSymbol = FrameChannels.SymbolOf(channel);
        if (restSymbol is null)
        {
            return FrameParsing.Run(frame, new State(this, null, receivedAt), ReadMessage);
        }

        if (!symbols.TryCanonical(restSymbol, out var canonical, out var error))
        {
            return FrameParseResult.Rejected(RejectReasons.InvalidSymbol, error);
        }

        return FrameParsing.Run(frame, new State(this, canonical, receivedAt), ReadRest);
    }

    private static FrameParseResult ReadMessage(ref Utf8JsonReader reader, State state)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"expected an object, found {reader.TokenType}");
        }

        var draft = new TradeDraft();
        var kind = MessageKind.None;
        string? type = null;
        string? message = null;
        bool hasTradeId = false, hasSize = false;

        // The side's meaning depends on the type, which may come after it: keep the raw side until the end.
        TradeSide rawSide = TradeSide.Unknown;
        while (FrameParsing.NextProperty(ref reader))
        {
            var name = reader.ValueSpan;
            FrameParsing.ToValue(ref reader);
            if (name.SequenceEqual("type"u8))
            {
                kind = ReadKind(ref reader);
                type = kind == MessageKind.Other ? JsonText.Describe(ref reader) : null;
            }
            else if (name.SequenceEqual("product_id"u8))
            {
                draft.ReadSymbol(ref reader, state.Parser.symbols);
            }
            else if (name.SequenceEqual("price"u8))
            {
                draft.ReadPrice(ref reader);
            }
            else if (name.SequenceEqual("size"u8) || name.SequenceEqual("last_size"u8))
            {
                hasSize = true;
                draft.ReadSize(ref reader);
            }
            else if (name.SequenceEqual("side"u8))
            {
                var sideDraft = new TradeDraft();
                sideDraft.ReadSide(ref reader, makerSide: false);
                if (sideDraft.Failed)
                {
                    draft.Fail(sideDraft.RejectReason!, sideDraft.RejectDetail!);
                }
                else
                {
                    rawSide = JsonText.StringIs(ref reader, "buy"u8) ? TradeSide.Buy : TradeSide.Sell;
                }
            }
            else if (name.SequenceEqual("trade_id"u8))
            {
                hasTradeId = true;
                draft.ReadTradeId(ref reader);
            }
            else if (name.SequenceEqual("time"u8))
            {
                draft.ReadIsoTime(ref reader);
            }
            else if (name.SequenceEqual("message"u8) && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        switch (kind)
        {
            case MessageKind.Error:
                return FrameParseResult.Rejected(RejectReasons.VenueError, $"Coinbase error: {message}");
            case MessageKind.Control:
                return FrameParseResult.Control;
            case MessageKind.None:
                return FrameParseResult.Rejected(RejectReasons.UnknownMessage, "message has no type");
            case MessageKind.Other:
                return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"message type '{type}' is not subscribed");
            case MessageKind.Ticker when !hasTradeId || !hasSize:
                // A ticker without a last trade is a book snapshot, not a trade.
                return FrameParseResult.Control;
        }

        if (rawSide != TradeSide.Unknown)
        {
            draft.SetSide(kind == MessageKind.Match ? Opposite(rawSide) : rawSide);
        }

        return draft.TryBuild(Sources.Coinbase, state.ReceivedAt, out var tick) ? FrameParseResult.Of([tick]) : FrameParsing.Reject(draft);
    }

    private static MessageKind ReadKind(ref Utf8JsonReader reader)
    {
        if (JsonText.StringIs(ref reader, "match"u8) || JsonText.StringIs(ref reader, "last_match"u8))
        {
            return MessageKind.Match;
        }

        if (JsonText.StringIs(ref reader, "ticker"u8))
        {
            return MessageKind.Ticker;
        }

        if (JsonText.StringIs(ref reader, "subscriptions"u8) || JsonText.StringIs(ref reader, "heartbeat"u8) || JsonText.StringIs(ref reader, "status"u8))
        {
            return MessageKind.Control;
        }

        return JsonText.StringIs(ref reader, "error"u8) ? MessageKind.Error : MessageKind.Other;
    }

    private static TradeSide Opposite(TradeSide side) => side == TradeSide.Buy ? TradeSide.Sell : TradeSide.Buy;

    private static FrameParseResult ReadRest(ref Utf8JsonReader reader, State state)
    {
        var result = FrameParsing.ReadTradeArray(ref reader, Sources.Coinbase, state.RestSymbol!, state.ReceivedAt, ReadRestField);

        // The endpoint lists newest first; ticks go out oldest first.
        return result.IsRejected ? result : FrameParseResult.Of([.. result.Ticks.Reverse()]);
    }

    private static void ReadRestField(ref Utf8JsonReader reader, ref TradeDraft draft, ReadOnlySpan<byte> name)
    {
        if (name.SequenceEqual("price"u8))
        {
            draft.ReadPrice(ref reader);
        }
        else if (name.SequenceEqual("size"u8))
        {
            draft.ReadSize(ref reader);
        }
        else if (name.SequenceEqual("side"u8))
        {
            draft.ReadSide(ref reader, makerSide: true);
        }
        else if (name.SequenceEqual("trade_id"u8))
        {
            draft.ReadTradeId(ref reader);
        }
        else if (name.SequenceEqual("time"u8))
        {
            draft.ReadIsoTime(ref reader);
        }
        else
        {
            reader.Skip();
        }
    }

    private readonly record struct State(CoinbaseFrameParser Parser, string? RestSymbol, DateTimeOffset ReceivedAt);
}
