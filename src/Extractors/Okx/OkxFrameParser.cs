using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Okx;

/// <summary>
/// Reads OKX v5 <c>trades</c> pushes (<c>{"arg":{...},"data":[...]}</c>), the event replies (<c>subscribe</c>,
/// <c>error</c>), the text <c>pong</c>, and <c>GET /api/v5/market/history-trades</c> responses, whose
/// <c>data</c> elements have the same fields. <c>side</c> is the taker's side.
/// </summary>
public sealed partial class OkxFrameParser : IChannelFrameParser
{
    public const string HistoryTradesEndpoint = "history-trades";

    private readonly VenueSymbols symbols = new();

    public string Source => Sources.Okx;

    public FrameParseResult Parse(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt) => Parse(FrameChannels.WebSocket, frame, receivedAt);

    public FrameParseResult Parse(string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        if (TryReadTradesFrame(frame, receivedAt, out var ticks))
        {
            Interlocked.Increment(ref fastPathFrames);
            return FrameParseResult.Of(ticks);
        }

        return ParseWithReader(frame, receivedAt);
    }

    /// <summary>
    /// The general parser for every message shape (pushes, event replies, REST history bodies) and every rejection;
    /// the fast path falls back to it and is tested against it.
    /// </summary>
    internal FrameParseResult ParseWithReader(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        // The heartbeat answer is the bare text "pong", not JSON.
        if (frame.SequenceEqual("pong"u8))
        {
            return FrameParseResult.Control;
        }

        return FrameParsing.Run(frame, new State(this, receivedAt), Read);
    }

    private static FrameParseResult Read(ref Utf8JsonReader reader, State state)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"expected an object, found {reader.TokenType}");
        }

        List<Tick>? ticks = null;
        TradeDraft failed = default;
        string? eventName = null;
        string? code = null;
        string? message = null;
        var tradesChannel = true;
        while (FrameParsing.NextProperty(ref reader))
        {
            var name = reader.ValueSpan;
            FrameParsing.ToValue(ref reader);
            if (name.SequenceEqual("data"u8) && reader.TokenType == JsonTokenType.StartArray)
            {
                ticks = state.Parser.ReadTrades(ref reader, state.ReceivedAt, ref failed);
            }
            else if (name.SequenceEqual("arg"u8) && reader.TokenType == JsonTokenType.StartObject)
            {
                tradesChannel = ReadArgIsTrades(ref reader);
            }
            else if (name.SequenceEqual("event"u8) && reader.TokenType == JsonTokenType.String)
            {
                eventName = reader.GetString();
            }
            else if (name.SequenceEqual("code"u8) && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
            {
                code = JsonText.Describe(ref reader);
            }
            else if (name.SequenceEqual("msg"u8) && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString();
            }
            else
            {
                reader.Skip();
            }
        }

        if (eventName == "error" || (code is not null && code != "0"))
        {
            return FrameParseResult.Rejected(RejectReasons.VenueError, $"OKX error {code}: {message}");
        }

        if (eventName is not null)
        {
            // subscribe / unsubscribe / notice / channel-conn-count replies.
            return FrameParseResult.Control;
        }

        if (!tradesChannel)
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, "push from a channel other than trades");
        }

        if (failed.Failed)
        {
            return FrameParsing.Reject(failed);
        }

        return ticks is null
            ? FrameParseResult.Rejected(RejectReasons.UnknownMessage, "neither an event nor trade data")
            : FrameParseResult.Of(ticks);
    }

    private static bool ReadArgIsTrades(ref Utf8JsonReader reader)
    {
        var isTrades = true;
        while (FrameParsing.NextProperty(ref reader))
        {
            var name = reader.ValueSpan;
            FrameParsing.ToValue(ref reader);
            if (name.SequenceEqual("channel"u8))
            {
                isTrades = JsonText.StringIs(ref reader, "trades"u8) || JsonText.StringIs(ref reader, "trades-all"u8);
            }
            else
            {
                reader.Skip();
            }
        }

        return isTrades;
    }

    private List<Tick>? ReadTrades(ref Utf8JsonReader reader, DateTimeOffset receivedAt, ref TradeDraft failed)
    {
        var ticks = new List<Tick>(1);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                failed.Fail(RejectReasons.UnknownMessage, "trade element is not an object");
                reader.Skip();
                continue;
            }

            var draft = new TradeDraft();
            while (FrameParsing.NextProperty(ref reader))
            {
                var name = reader.ValueSpan;
                FrameParsing.ToValue(ref reader);
                switch (name.Length)
                {
                    case 2 when name.SequenceEqual("px"u8):
                        draft.ReadPrice(ref reader);
                        break;
                    case 2 when name.SequenceEqual("sz"u8):
                        draft.ReadSize(ref reader);
                        break;
                    case 2 when name.SequenceEqual("ts"u8):
                        draft.ReadUnixMilliseconds(ref reader);
                        break;
                    case 4 when name.SequenceEqual("side"u8):
                        draft.ReadSide(ref reader, makerSide: false);
                        break;
                    case 6 when name.SequenceEqual("instId"u8):
                        draft.ReadSymbol(ref reader, symbols);
                        break;
                    case 7 when name.SequenceEqual("tradeId"u8):
                        draft.ReadTradeId(ref reader);
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (draft.TryBuild(Sources.Okx, receivedAt, out var tick))
            {
                ticks.Add(tick);
            }
            else
            {
                failed.Fail(draft.RejectReason!, draft.RejectDetail!);
            }
        }

        return ticks;
    }

    private readonly record struct State(OkxFrameParser Parser, DateTimeOffset ReceivedAt);
}
