using System.Globalization;
using System.Text;

namespace CryptoStreams.Extractors.Tests.FakeServers;

/// <summary>
/// Binance spot as documented: combined streams on <c>/stream</c>, <c>{"method":"SUBSCRIBE","params":[...],"id":N}</c>
/// answered by <c>{"result":null,"id":N}</c>, aggTrade events in <c>{"stream","data"}</c> envelopes, and
/// <c>GET /api/v3/aggTrades?symbol=&amp;fromId=&amp;limit=</c> ascending from <c>fromId</c>.
/// </summary>
public sealed class FakeBinance : FakeVenue
{
    public override string Symbol => "BTC-USDT";

    public override string TradeFrame(TapeTrade trade)
    {
        var ms = trade.Time.ToUnixTimeMilliseconds();
        return FormattableString.Invariant(
            $$"""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":{{ms + 1}},"s":"BTCUSDT","a":{{trade.Id}},"p":"{{trade.PriceText}}","q":"{{trade.SizeText}}","f":{{trade.Id * 3}},"l":{{trade.Id * 3}},"T":{{ms}},"m":{{(trade.TakerBuys ? "false" : "true")}},"M":true}""") + "}";
    }

    protected override async Task<bool> AnswerAsync(ServerWebSocket socket, string message, CancellationToken cancellationToken)
    {
        if (!message.Contains("\"SUBSCRIBE\"", StringComparison.Ordinal))
        {
            await socket.SendTextAsync("""{"error":{"code":2,"msg":"Invalid request: unknown method"},"id":null}""", cancellationToken);
            return false;
        }

        await socket.SendTextAsync("""{"result":null,"id":1}""", cancellationToken);
        return true;
    }

    protected override HttpReply? AnswerHistory(HttpRequestHead request, IReadOnlyList<TapeTrade> happened)
    {
        if (request.Path != "/api/v3/aggTrades")
        {
            return null;
        }

        if (request.Query("symbol") != "BTCUSDT")
        {
            return new HttpReply(400, """{"code":-1121,"msg":"Invalid symbol."}""");
        }

        var fromId = long.Parse(request.Query("fromId") ?? "0", CultureInfo.InvariantCulture);
        var limit = int.Parse(request.Query("limit") ?? "500", CultureInfo.InvariantCulture);
        var body = new StringBuilder("[");
        foreach (var t in happened.Where(t => t.Id >= fromId).Take(limit))
        {
            if (body.Length > 1)
            {
                body.Append(',');
            }

            body.Append(CultureInfo.InvariantCulture, $$"""{"a":{{t.Id}},"p":"{{t.PriceText}}","q":"{{t.SizeText}}","f":{{t.Id * 3}},"l":{{t.Id * 3}},"T":{{t.Time.ToUnixTimeMilliseconds()}},"m":{{(t.TakerBuys ? "false" : "true")}},"M":true}""");
        }

        return new HttpReply(200, body.Append(']').ToString());
    }
}
