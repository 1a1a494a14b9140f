using System.Globalization;

namespace CryptoStreams.Extractors.Tests.FakeServers;

/// <summary>
/// Coinbase Exchange feed as documented: <c>{"type":"subscribe","product_ids":[...],"channels":[...]}</c> answered by
/// <c>subscriptions</c>; <c>match</c> messages whose <c>side</c> is the maker's; <c>GET /products/{id}/trades</c>
/// newest first with the <c>CB-AFTER</c> header as the cursor to older pages.
/// </summary>
public sealed class FakeCoinbase : FakeVenue
{
    public override string Symbol => "BTC-USD";

    public override string TradeFrame(TapeTrade trade) => Frame(trade);

    private static string Frame(TapeTrade t) => FormattableString.Invariant(
        $$"""{"type":"match","trade_id":{{t.Id}},"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a{{t.Id % 10000:0000}}","taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05{{t.Id % 10000:0000}}","side":"{{MakerSide(t)}}","size":"{{t.SizeText}}","price":"{{t.PriceText}}","product_id":"BTC-USD","sequence":{{t.Id * 11}},"time":"{{Iso(t)}}"}""");

    protected override async Task<bool> AnswerAsync(ServerWebSocket socket, string message, CancellationToken cancellationToken)
    {
        if (message.Contains("\"type\":\"subscribe\"", StringComparison.Ordinal))
        {
            await socket.SendTextAsync("""{"type":"subscriptions","channels":[{"name":"matches","product_ids":["BTC-USD"]},{"name":"heartbeat","product_ids":["BTC-USD"]}]}""", cancellationToken);
            return true;
        }

        await socket.SendTextAsync("""{"type":"error","message":"Failed to subscribe","reason":"unknown message type"}""", cancellationToken);
        return false;
    }

    protected override HttpReply? AnswerHistory(HttpRequestHead request, IReadOnlyList<TapeTrade> happened)
    {
        if (request.Path != "/products/BTC-USD/trades")
        {
            return null;
        }

        long? after = request.Query("after") is { } a ? long.Parse(a, CultureInfo.InvariantCulture) : null;
        var limit = int.Parse(request.Query("limit") ?? "1000", CultureInfo.InvariantCulture);
        var page = PageBackwards(happened, after, limit);
        var body = "[" + string.Join(',', page.Select(t => FormattableString.Invariant(
            $$"""{"time":"{{Iso(t)}}","trade_id":{{t.Id}},"price":"{{t.PriceText}}","size":"{{t.SizeText}}","side":"{{MakerSide(t)}}"}"""))) + "]";
        var headers = page.Count == 0
            ? new Dictionary<string, string>()
            : new Dictionary<string, string>
            {
                ["CB-BEFORE"] = page[0].Id.ToString(CultureInfo.InvariantCulture),
                ["CB-AFTER"] = page[^1].Id.ToString(CultureInfo.InvariantCulture),
            };
        return new HttpReply(200, body, headers);
    }

    private static string MakerSide(TapeTrade t) => t.TakerBuys ? "sell" : "buy";

    private static string Iso(TapeTrade t) => t.Time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
}
