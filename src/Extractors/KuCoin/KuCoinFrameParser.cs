using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.KuCoin;

/// <summary>
/// Reads KuCoin spot <c>/market/match</c> messages, the control messages (<c>welcome</c>, <c>ack</c>, <c>pong</c>)
/// and <c>GET /api/v1/market/histories</c> responses. <c>time</c> is in nanoseconds; <c>side</c> is the taker's.
/// The trade id of a tick is KuCoin's per-symbol <c>sequence</c>: it is the only id present both in the match feed
/// and in the REST history (<c>/api/v1/market/histories</c> documents sequence, price, size, side, time and no
/// <c>tradeId</c>), so it is what backfill de-duplicates on. KuCoin's own <c>/market/match</c> example carries the same
/// number in <c>tradeId</c> and <c>sequence</c>; a match without <c>sequence</c> falls back to <c>tradeId</c>.
/// </summary>
public sealed class KuCoinFrameParser : IChannelFrameParser
{
    public const string HistoriesEndpoint = "histories";
    public const string CandlesEndpoint = "candles";
    public const string BulletEndpoint = "bullet-public";

    private readonly VenueSymbols symbols = new();

    public string Source => Sources.KuCoin;

    public FrameParseResult Parse(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt) => Parse(FrameChannels.WebSocket, frame, receivedAt);

    public FrameParseResult Parse(string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        ArgumentNullException.ThrowIfNull(channel);
        var endpoint = FrameChannels.EndpointOf(channel);
        if (endpoint is CandlesEndpoint or BulletEndpoint)
        {
            // Candles fill gaps only as coverage information and the token response carries no trades.
            return FrameParseResult.Control;
        }

        string? restSymbol = null;
        if (endpoint is not null)
        {
            if (!symbols.TryCanonical(FrameChannels.SymbolOf(channel), out var canonical, out var error))
            {
                return FrameParseResult.Rejected(RejectReasons.InvalidSymbol, error);
            }

            restSymbol = canonical;
        }

        return FrameParsing.Run(frame, new State(this, restSymbol, receivedAt), Read);
    }

    private static FrameParseResult Read(ref Utf8JsonReader reader, State state)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"expected an object, found {reader.TokenType}");
        }

        string? type = null;
        string? code = null;
        var matchSubject = true;
        List<Tick>? ticks = null;
        TradeDraft failed = default;
        while (FrameParsing.NextProperty(ref reader))
        {
            var name = reader.ValueSpan;
            FrameParsing.ToValue(ref reader);
            if (name.SequenceEqual("data"u8) && reader.TokenType == JsonTokenType.StartObject && state.RestSymbol is null)
            {
                ticks = [];
                state.Parser.ReadMatch(ref reader, state, ticks, ref failed);
            }
            else if (name.SequenceEqual("data"u8) && reader.TokenType == JsonTokenType.StartArray && state.RestSymbol is not null)
            {
                ticks = [];
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        failed.Fail(RejectReasons.UnknownMessage, "history element is not an object");
                        reader.Skip();
                        continue;
                    }

                    state.Parser.ReadMatch(ref reader, state, ticks, ref failed);
                }
            }
            else if (name.SequenceEqual("type"u8) && reader.TokenType == JsonTokenType.String)
            {
                type = reader.GetString();
            }
            else if (name.SequenceEqual("subject"u8) && reader.TokenType == JsonTokenType.String)
            {
                matchSubject = JsonText.StringIs(ref reader, "trade.l3match"u8);
            }
            else if (name.SequenceEqual("code"u8) && reader.TokenType is JsonTokenType.String or JsonTokenType.Number)
            {
                code = JsonText.Describe(ref reader);
            }
            else
            {
                reader.Skip();
            }
        }

        if (type == "error" || (code is not null && code != "200000"))
        {
            return FrameParseResult.Rejected(RejectReasons.VenueError, $"KuCoin error {code}");
        }

        if (type is "welcome" or "ack" or "pong")
        {
            return FrameParseResult.Control;
        }

        if (state.RestSymbol is null && type != "message")
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, $"message type '{type}'");
        }

        if (!matchSubject)
        {
            return FrameParseResult.Rejected(RejectReasons.UnknownMessage, "message is not a trade match");
        }

        if (failed.Failed)
        {
            return FrameParsing.Reject(failed);
        }

        return ticks is null ? FrameParseResult.Rejected(RejectReasons.MissingField, "no trade data") : FrameParseResult.Of(ticks);
    }

    private void ReadMatch(ref Utf8JsonReader reader, State state, List<Tick> ticks, ref TradeDraft failed)
    {
        var draft = new TradeDraft();
        if (state.RestSymbol is not null)
        {
            draft.SetSymbol(state.RestSymbol);
        }

        var sequenceSeen = false;
        long? tradeId = null;
        while (FrameParsing.NextProperty(ref reader))
        {
            var name = reader.ValueSpan;
            FrameParsing.ToValue(ref reader);
            if (name.SequenceEqual("price"u8))
            {
                draft.ReadPrice(ref reader);
            }
            else if (name.SequenceEqual("tradeId"u8))
            {
                tradeId = JsonText.TryGetInt64(ref reader, out var id) && id >= 0 ? id : null;
            }
            else if (name.SequenceEqual("size"u8))
            {
                draft.ReadSize(ref reader);
            }
            else if (name.SequenceEqual("side"u8))
            {
                draft.ReadSide(ref reader, makerSide: false);
            }
            else if (name.SequenceEqual("sequence"u8))
            {
                sequenceSeen = true;
                draft.ReadTradeId(ref reader);
            }
            else if (name.SequenceEqual("time"u8))
            {
                draft.ReadUnixNanoseconds(ref reader);
            }
            else if (name.SequenceEqual("symbol"u8) && state.RestSymbol is null)
            {
                draft.ReadSymbol(ref reader, symbols);
            }
            else
            {
                reader.Skip();
            }
        }

        if (!sequenceSeen && tradeId is { } fallback)
        {
            draft.SetTradeId(fallback);
        }

        if (draft.TryBuild(Sources.KuCoin, state.ReceivedAt, out var tick))
        {
            ticks.Add(tick);
        }
        else
        {
            failed.Fail(draft.RejectReason!, draft.RejectDetail!);
        }
    }

    private readonly record struct State(KuCoinFrameParser Parser, string? RestSymbol, DateTimeOffset ReceivedAt);
}
