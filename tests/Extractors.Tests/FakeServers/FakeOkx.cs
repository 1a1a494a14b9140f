using System.Globalization;
using System.Text;

namespace CryptoStreams.Extractors.Tests.FakeServers;

/// <summary>
/// OKX v5 public WebSocket as documented: <c>{"op":"subscribe","args":[{"channel":"trades","instId":...}]}</c>
/// answered by an <c>event</c> reply, text <c>ping</c> answered by <c>pong</c>, and
/// <c>GET /api/v5/market/history-trades?instId=&amp;type=1&amp;after=&amp;limit=</c> newest first.
/// </summary>
public sealed class FakeOkx : FakeVenue
{
    public override string Symbol => "BTC-USDT";

    /// <summary>Client pings answered so far.</summary>
    public int PingsAnswered => pingsAnswered;

    private int pingsAnswered;

    public override string TradeFrame(TapeTrade trade) =>
        "{\"arg\":{\"channel\":\"trades\",\"instId\":\"BTC-USDT\"},\"data\":[" + TradeObject(trade) + "]}";

    protected override async Task<bool> AnswerAsync(ServerWebSocket socket, string message, CancellationToken cancellationToken)
    {
        if (message == "ping")
        {
            Interlocked.Increment(ref pingsAnswered);
            await socket.SendTextAsync("pong", cancellationToken);
            return false;
        }

        if (message.Contains("\"op\":\"subscribe\"", StringComparison.Ordinal))
        {
            await socket.SendTextAsync("""{"event":"subscribe","arg":{"channel":"trades","instId":"BTC-USDT"},"connId":"a4d3ae55"}""", cancellationToken);
            return true;
        }

        await socket.SendTextAsync("""{"event":"error","code":"60012","msg":"Invalid request","connId":"a4d3ae55"}""", cancellationToken);
        return false;
    }

    protected override HttpReply? AnswerHistory(HttpRequestHead request, IReadOnlyList<TapeTrade> happened)
    {
        if (request.Path != "/api/v5/market/history-trades")
        {
            return null;
        }

        long? after = request.Query("after") is { } a ? long.Parse(a, CultureInfo.InvariantCulture) : null;
        var limit = int.Parse(request.Query("limit") ?? "100", CultureInfo.InvariantCulture);
        var data = string.Join(',', PageBackwards(happened, after, limit).Select(TradeObject));
        return new HttpReply(200, "{\"code\":\"0\",\"msg\":\"\",\"data\":[" + data + "]}");
    }

    private static string TradeObject(TapeTrade t) => FormattableString.Invariant(
        $$"""{"instId":"BTC-USDT","tradeId":"{{t.Id}}","px":"{{t.PriceText}}","sz":"{{t.SizeText}}","side":"{{(t.TakerBuys ? "buy" : "sell")}}","ts":"{{t.Time.ToUnixTimeMilliseconds()}}","count":"1","source":"0","seqId":{{t.Id * 7}}}""");
}
