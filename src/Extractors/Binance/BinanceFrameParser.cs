using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Binance;

/// <summary>
/// Reads Binance spot trade streams (combined <c>{"stream","data"}</c> envelopes or raw <c>@aggTrade</c>/<c>@trade</c>
/// events) and the REST history arrays (<c>aggTrades</c>, <c>historicalTrades</c>). <c>m</c> is "buyer is maker":
/// when true the taker sold.
/// </summary>
public sealed partial class BinanceFrameParser : IChannelFrameParser
{
    public const string AggTradesEndpoint = "aggTrades";
    public const string HistoricalTradesEndpoint = "historicalTrades";

    private readonly VenueSymbols symbols = new();

    private enum EventKind
    {
        None,
        AggTrade,
        Trade,
        ServerShutdown,
        Other,
    }

    public string Source => Sources.Binance;

    public FrameParseResult Parse(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt) => ParseMessage(frame, receivedAt);

    public FrameParseResult Parse(string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var restSymbol = FrameChannels.SymbolOf(channel);
        if (restSymbol is null)
        {
            return ParseMessage(frame, receivedAt);
        }

        if (!symbols.TryCanonical(restSymbol, out var canonical, out var error))
        {
            return FrameParseResult.Rejected(RejectReasons.InvalidSymbol, error);
        }

        var historical = FrameChannels.EndpointOf(channel) == HistoricalTradesEndpoint;
        return FrameParsing.Run(frame, new RestState(this, canonical, historical, receivedAt), ReadRest);
    }

    /// <summary>True for the <c>serverShutdown</c> event: Binance is about to close the connection for maintenance.</summary>
    public static bool IsServerShutdown(ReadOnlySpan<byte> frame) => frame.IndexOf("\"serverShutdown\""u8) >= 0;

    private FrameParseResult ParseMessage(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        if (TryReadTradeFrame(frame, receivedAt, out var tick))
        {
            Interlocked.Increment(ref fastPathFrames);
            return FrameParseResult.Of([tick]);
        }

        return ParseWithReader(frame, receivedAt);
    }

    /// <summary>
    /// The general parser for every WebSocket message shape and every rejection; the fast path falls back to it and is
    /// tested against it.
    /// </summary>
    internal FrameParseResult ParseWithReader(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt) =>
        FrameParsing.Run(frame, new MessageState(this, receivedAt), ReadMessage);

    private static FrameParseResult ReadMessage(ref Utf8JsonReader reader, MessageState state)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"expected an object, found {reader.TokenType}");
        }

        var fields = new EventFields();
        state.Parser.ReadEvent(ref reader, ref fields, envelope: true);
        if (fields.VenueError)
        {
            return FrameParseResult.Rejected(RejectReasons.VenueError, "Binance answered with an error");
        }

        switch (fields.Kind)
        {
            case EventKind.None when fields.IsReply:
            case EventKind.ServerShutdown:
                return FrameParseResult.Control;
            case EventKind.None:
                return FrameParseResult.Rejected(RejectReasons.UnknownMessage, "no event type");
            case EventKind.Other:
                return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"event '{fields.OtherEvent}' is not a trade");
        }

        var id = fields.Kind == EventKind.AggTrade ? fields.AggregateId : fields.TradeId;
        if (id is null)
        {
            fields.Draft.Fail(RejectReasons.MissingField, fields.Kind == EventKind.AggTrade ? "aggTrade has no aggregate id 'a'" : "trade has no id 't'");
        }
        else
        {
            fields.Draft.SetTradeId(id.Value);
        }

        return fields.Draft.TryBuild(Sources.Binance, state.ReceivedAt, out var tick) ? FrameParseResult.Of([tick]) : FrameParsing.Reject(fields.Draft);
    }

    private void ReadEvent(ref Utf8JsonReader reader, ref EventFields fields, bool envelope)
    {
        while (FrameParsing.NextProperty(ref reader))
        {
            var name = reader.ValueSpan;
            FrameParsing.ToValue(ref reader);
            if (name.Length == 1)
            {
                ReadEventField(ref reader, ref fields, name[0]);
            }
            else if (envelope && name.SequenceEqual("data"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                ReadEvent(ref reader, ref fields, envelope: false);
            }
            else
            {
                if (envelope && (name.SequenceEqual("result"u8) || name.SequenceEqual("id"u8)))
                {
                    fields.IsReply = true;
                }
                else if (envelope && name.SequenceEqual("error"u8))
                {
                    fields.VenueError = true;
                }

                reader.Skip();
            }
        }
    }

    private void ReadEventField(ref Utf8JsonReader reader, ref EventFields fields, byte name)
    {
        switch (name)
        {
            case (byte)'e':
                if (JsonText.StringIs(ref reader, "aggTrade"u8))
                {
                    fields.Kind = EventKind.AggTrade;
                }
                else if (JsonText.StringIs(ref reader, "trade"u8))
                {
                    fields.Kind = EventKind.Trade;
                }
                else if (JsonText.StringIs(ref reader, "serverShutdown"u8))
                {
                    fields.Kind = EventKind.ServerShutdown;
                }
                else
                {
                    fields.Kind = EventKind.Other;
                    fields.OtherEvent = JsonText.Describe(ref reader);
                }

                break;
            case (byte)'s':
                fields.Draft.ReadSymbol(ref reader, symbols);
                break;
            case (byte)'p':
                fields.Draft.ReadPrice(ref reader);
                break;
            case (byte)'q':
                fields.Draft.ReadSize(ref reader);
                break;
            case (byte)'a':
                fields.AggregateId = ReadId(ref reader, ref fields.Draft);
                break;
            case (byte)'t':
                fields.TradeId = ReadId(ref reader, ref fields.Draft);
                break;
            case (byte)'T':
                fields.Draft.ReadUnixMilliseconds(ref reader);
                break;
            case (byte)'E':
                fields.Draft.ReadFallbackUnixMilliseconds(ref reader);
                break;
            case (byte)'m':
                fields.Draft.ReadBuyerIsMaker(ref reader);
                break;
            default:
                reader.Skip();
                break;
        }
    }

    private static long? ReadId(ref Utf8JsonReader reader, ref TradeDraft draft)
    {
        if (JsonText.TryGetInt64(ref reader, out var id) && id >= 0)
        {
            return id;
        }

        draft.Fail(RejectReasons.InvalidTradeId, $"trade id '{JsonText.Describe(ref reader)}' is not a whole number");
        return null;
    }

    private static FrameParseResult ReadRest(ref Utf8JsonReader reader, RestState state) =>
        FrameParsing.ReadTradeArray(ref reader, Sources.Binance, state.Symbol, state.ReceivedAt, state.Historical ? ReadHistoricalField : ReadAggregateField);

    private static void ReadAggregateField(ref Utf8JsonReader reader, ref TradeDraft draft, ReadOnlySpan<byte> name)
    {
        if (name.Length != 1)
        {
            reader.Skip();
            return;
        }

        switch (name[0])
        {
            case (byte)'a':
                draft.ReadTradeId(ref reader);
                break;
            case (byte)'p':
                draft.ReadPrice(ref reader);
                break;
            case (byte)'q':
                draft.ReadSize(ref reader);
                break;
            case (byte)'T':
                draft.ReadUnixMilliseconds(ref reader);
                break;
            case (byte)'m':
                draft.ReadBuyerIsMaker(ref reader);
                break;
            default:
                reader.Skip();
                break;
        }
    }

    private static void ReadHistoricalField(ref Utf8JsonReader reader, ref TradeDraft draft, ReadOnlySpan<byte> name)
    {
        if (name.SequenceEqual("id"u8))
        {
            draft.ReadTradeId(ref reader);
        }
        else if (name.SequenceEqual("price"u8))
        {
            draft.ReadPrice(ref reader);
        }
        else if (name.SequenceEqual("qty"u8))
        {
            draft.ReadSize(ref reader);
        }
        else if (name.SequenceEqual("time"u8))
        {
            draft.ReadUnixMilliseconds(ref reader);
        }
        else if (name.SequenceEqual("isBuyerMaker"u8))
        {
            draft.ReadBuyerIsMaker(ref reader);
        }
        else
        {
            reader.Skip();
        }
    }

    private readonly record struct MessageState(BinanceFrameParser Parser, DateTimeOffset ReceivedAt);

    private readonly record struct RestState(BinanceFrameParser Parser, string Symbol, bool Historical, DateTimeOffset ReceivedAt);

    private struct EventFields
    {
        public TradeDraft Draft;
        public EventKind Kind;
        public string? OtherEvent;
        public long? AggregateId;
        public long? TradeId;
        public bool IsReply;
        public bool VenueError;
    }
}
