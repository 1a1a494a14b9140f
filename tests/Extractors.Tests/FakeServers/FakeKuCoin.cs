using System.Globalization;

namespace CryptoStreams.Extractors.Tests.FakeServers;

/// <summary>
/// KuCoin spot as documented: <c>POST /api/v1/bullet-public</c> hands out a token and the instance server with its
/// <c>pingInterval</c>; the socket greets with <c>welcome</c>, acknowledges subscriptions with <c>ack</c>, answers
/// <c>{"type":"ping"}</c> with <c>pong</c>; <c>/api/v1/market/histories</c> keeps only the last 100 trades;
/// <c>/api/v1/market/candles</c> rows are time, open, close, high, low, volume, turnover.
/// </summary>
public sealed class FakeKuCoin : FakeVenue
{
    private int tokens;
    private int pingsAnswered;

    public override string Symbol => "BTC-USDT";

    /// <summary>The ping interval the token response announces.</summary>
    public int PingIntervalMs { get; set; } = 18_000;

    /// <summary>Tokens handed out, in order.</summary>
    public IReadOnlyList<string> IssuedTokens => [.. Enumerable.Range(1, Volatile.Read(ref tokens)).Select(n => $"token-{n}")];

    public int PingsAnswered => Volatile.Read(ref pingsAnswered);

    /// <summary>KuCoin's sequence numbers move with every book change, so trade sequences have holes.</summary>
    protected override long IdOf(int index) => 13_873_600_000 + (index * 3L);

    public override string TradeFrame(TapeTrade trade) => Frame(trade);

    private static string Frame(TapeTrade t) => FormattableString.Invariant(
        $$"""{"type":"message","topic":"/market/match:BTC-USDT","subject":"trade.l3match","data":{"makerOrderId":"6743f4c0b3b4d9000718{{t.Id % 10000:0000}}","price":"{{t.PriceText}}","sequence":"{{t.Id}}","side":"{{(t.TakerBuys ? "buy" : "sell")}}","size":"{{t.SizeText}}","symbol":"BTC-USDT","takerOrderId":"6743f4c1e6d2a40007a1{{t.Id % 10000:0000}}","time":"{{Nanoseconds(t)}}","tradeId":"{{t.Id}}","type":"match"}""") + "}";

    protected override async Task OnOpenAsync(ServerWebSocket socket, HttpRequestHead request, CancellationToken cancellationToken) =>
        await socket.SendTextAsync($$"""{"id":"{{request.Query("connectId")}}","type":"welcome"}""", cancellationToken);

    protected override async Task<bool> AnswerAsync(ServerWebSocket socket, string message, CancellationToken cancellationToken)
    {
        var id = IdIn(message);
        if (message.Contains("\"type\":\"ping\"", StringComparison.Ordinal))
        {
            Interlocked.Increment(ref pingsAnswered);
            await socket.SendTextAsync($$"""{"id":"{{id}}","type":"pong"}""", cancellationToken);
            return false;
        }

        if (message.Contains("\"type\":\"subscribe\"", StringComparison.Ordinal) && message.Contains("/market/match:", StringComparison.Ordinal))
        {
            await socket.SendTextAsync($$"""{"id":"{{id}}","type":"ack"}""", cancellationToken);
            return true;
        }

        await socket.SendTextAsync($$"""{"id":"{{id}}","type":"error","code":404,"data":"topic not found"}""", cancellationToken);
        return false;
    }

    protected override HttpReply? AnswerOtherRest(HttpRequestHead request)
    {
        if (request.Method == "POST" && request.Path == "/api/v1/bullet-public")
        {
            var n = Interlocked.Increment(ref tokens);
            return new HttpReply(200, FormattableString.Invariant(
                $$"""{"code":"200000","data":{"token":"token-{{n}}","instanceServers":[{"endpoint":"{{WebSocketBase}}endpoint","encrypt":false,"protocol":"websocket","pingInterval":{{PingIntervalMs}},"pingTimeout":10000}]}""") + "}");
        }

        if (request.Path == "/api/v1/market/candles")
        {
            var start = long.Parse(request.Query("startAt") ?? "0", CultureInfo.InvariantCulture);
            var end = long.Parse(request.Query("endAt") ?? "0", CultureInfo.InvariantCulture);
            var rows = Tape.Take(Horizon)
                .Where(t => t.Time.ToUnixTimeSeconds() >= start && t.Time.ToUnixTimeSeconds() <= end)
                .GroupBy(t => t.Time.ToUnixTimeSeconds() / 60 * 60)
                .OrderByDescending(g => g.Key)
                .Select(g => FormattableString.Invariant(
                    $"[\"{g.Key}\",\"{g.First().PriceText}\",\"{g.Last().PriceText}\",\"{g.Max(t => t.Price)}\",\"{g.Min(t => t.Price)}\",\"{g.Sum(t => t.Size)}\",\"{g.Sum(t => t.Size * t.Price)}\"]"));
            return new HttpReply(200, "{\"code\":\"200000\",\"data\":[" + string.Join(',', rows) + "]}");
        }

        return null;
    }

    protected override HttpReply? AnswerHistory(HttpRequestHead request, IReadOnlyList<TapeTrade> happened)
    {
        if (request.Path != "/api/v1/market/histories")
        {
            return null;
        }

        var data = string.Join(',', happened.TakeLast(100).Select(t => FormattableString.Invariant(
            $$"""{"sequence":"{{t.Id}}","price":"{{t.PriceText}}","size":"{{t.SizeText}}","side":"{{(t.TakerBuys ? "buy" : "sell")}}","time":{{Nanoseconds(t)}}}""")));
        return new HttpReply(200, "{\"code\":\"200000\",\"data\":[" + data + "]}");
    }

    private static long Nanoseconds(TapeTrade t) => (t.Time - DateTimeOffset.UnixEpoch).Ticks * 100 + 17;

    private static string IdIn(string message)
    {
        const string key = "\"id\":\"";
        var start = message.IndexOf(key, StringComparison.Ordinal);
        if (start < 0)
        {
            return string.Empty;
        }

        start += key.Length;
        var end = message.IndexOf('"', start);
        return end < 0 ? string.Empty : message[start..end];
    }
}
