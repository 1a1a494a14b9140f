using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.KuCoin;

/// <summary>
/// KuCoin spot <c>/market/match</c>. Every connect first asks <c>POST /api/v1/bullet-public</c> for a fresh token
/// and instance server (tokens expire), then waits for <c>welcome</c>, subscribes, and sends <c>{"type":"ping"}</c>
/// at the <c>pingInterval</c> the token response names. KuCoin's REST history keeps only the last 100 trades, so a
/// longer gap is filled as far as those reach and the rest is described by candles in a partial gap record.
/// </summary>
public sealed class KuCoinConnector : ExchangeConnector
{
    private readonly KuCoinOptions options;
    private readonly Uri restBase;
    private long pings;

    public KuCoinConnector(KuCoinOptions options, KuCoinFrameParser parser, ExchangeConnectorContext context)
        : base(options, parser, context)
    {
        this.options = options;
        restBase = new Uri(options.RestUrl.TrimEnd('/') + "/");
    }

    protected override async ValueTask<SessionEndpoint> ResolveEndpointAsync(CancellationToken cancellationToken)
    {
        var channel = FrameChannels.Rest(KuCoinFrameParser.BulletEndpoint, "token");
        var response = await Rest.PostAsync(new Uri(restBase, "api/v1/bullet-public"), channel, cancellationToken).ConfigureAwait(false);
        var bullet = ReadBullet(response.Body);
        var server = bullet.Endpoint ?? options.WebSocketUrl;
        var separator = server.Contains('?', StringComparison.Ordinal) ? '&' : '?';
        var uri = new Uri($"{server}{separator}token={Uri.EscapeDataString(bullet.Token)}&connectId={Guid.NewGuid():N}");
        return new SessionEndpoint(uri, new HeartbeatPolicy(bullet.PingInterval, OnlyWhenSilent: false));
    }

    protected override async Task SubscribeAsync(ExchangeSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var welcome = await ReceiveHandshakeFrameAsync(session, cancellationToken).ConfigureAwait(false);
        if (!IsWelcome(welcome.Span))
        {
            throw new InvalidOperationException("KuCoin did not start with a welcome message");
        }

        var request = new KuCoinSubscribeRequest(Guid.NewGuid().ToString("N"), "subscribe", "/market/match:" + string.Join(',', Symbols), false, true);
        await session.SendTextAsync(JsonSerializer.Serialize(request, ExchangeJsonContext.Default.KuCoinSubscribeRequest), cancellationToken).ConfigureAwait(false);
    }

    protected override Task SendHeartbeatAsync(ExchangeSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var ping = new KuCoinPing(Interlocked.Increment(ref pings).ToString(CultureInfo.InvariantCulture), "ping");
        return session.SendTextAsync(JsonSerializer.Serialize(ping, ExchangeJsonContext.Default.KuCoinPing), cancellationToken);
    }

    protected override async Task<BackfillResult> BackfillAsync(string symbol, long afterId, DateTimeOffset afterTime, CancellationToken cancellationToken)
    {
        var channel = FrameChannels.Rest(KuCoinFrameParser.HistoriesEndpoint, symbol);
        var response = await Rest.GetAsync(new Uri(restBase, $"api/v1/market/histories?symbol={symbol}"), channel, cancellationToken).ConfigureAwait(false);
        var history = ReadRestTicks(channel, response).OrderBy(TradeIds.Numeric).ToList();
        var missed = history.Where(t => TradeIds.Numeric(t) > afterId).ToList();
        if (history.Count > 0 && TradeIds.Numeric(history[0]) <= afterId)
        {
            return BackfillResult.Covered(missed, $"{missed.Count} trades from the last {history.Count} KuCoin keeps");
        }

        // The 100 trades KuCoin keeps do not reach back to the last one we saw: describe the rest with candles.
        var missedTo = missed.Count > 0 ? missed[0].EventTime : Time.GetUtcNow();
        var candles = await CandlesAsync(symbol, afterTime, missedTo, cancellationToken).ConfigureAwait(false);
        var detail = $"KuCoin keeps the last 100 trades; {missed.Count} recovered; {candles.Count} {options.GapCandleType} candles cover the rest"
            + (candles.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $" (volume {candles.Volume}, from {candles.First:o})") : string.Empty);
        return new BackfillResult(missed, GapCoverage.Partial, afterTime, missedTo, detail);
    }

    private async Task<(int Count, decimal Volume, DateTimeOffset First)> CandlesAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        var channel = FrameChannels.Rest(KuCoinFrameParser.CandlesEndpoint, symbol);
        var query = string.Create(CultureInfo.InvariantCulture, $"api/v1/market/candles?type={options.GapCandleType}&symbol={symbol}&startAt={from.ToUnixTimeSeconds()}&endAt={to.ToUnixTimeSeconds()}");
        var response = await Rest.GetAsync(new Uri(restBase, query), channel, cancellationToken).ConfigureAwait(false);
        return KuCoinCandles.Summarise(response.Body);
    }

    private static bool IsWelcome(ReadOnlySpan<byte> frame)
    {
        var reader = new Utf8JsonReader(frame);
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("type"u8) && reader.Read())
            {
                return reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("welcome"u8);
            }
        }

        return false;
    }

    private static (string Token, string? Endpoint, TimeSpan PingInterval) ReadBullet(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var root = document.RootElement;
        if (root.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.String && code.GetString() != "200000")
        {
            throw new RestCallException($"bullet-public answered code {code.GetString()}");
        }

        var data = root.GetProperty("data");
        var token = data.GetProperty("token").GetString() ?? throw new RestCallException("bullet-public returned no token");
        string? endpoint = null;
        var pingInterval = TimeSpan.FromSeconds(18);
        if (data.TryGetProperty("instanceServers", out var servers) && servers.ValueKind == JsonValueKind.Array && servers.GetArrayLength() > 0)
        {
            var server = servers[0];
            endpoint = server.GetProperty("endpoint").GetString();
            if (server.TryGetProperty("pingInterval", out var interval) && interval.TryGetInt64(out var ms) && ms > 0)
            {
                pingInterval = TimeSpan.FromMilliseconds(ms);
            }
        }

        return (token, endpoint, pingInterval);
    }
}

/// <summary>KuCoin candles: arrays of strings ordered time, open, CLOSE, HIGH, low, volume, turnover.</summary>
internal static class KuCoinCandles
{
    public static (int Count, decimal Volume, DateTimeOffset First) Summarise(byte[] body)
    {
        using var document = JsonDocument.Parse(body);
        var count = 0;
        var volume = 0m;
        var first = DateTimeOffset.MaxValue;
        if (!document.RootElement.TryGetProperty("data", out var data) || data.ValueKind != JsonValueKind.Array)
        {
            return (0, 0, default);
        }

        foreach (var candle in data.EnumerateArray())
        {
            if (candle.ValueKind != JsonValueKind.Array || candle.GetArrayLength() < 6)
            {
                continue;
            }

            if (long.TryParse(candle[0].GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                && decimal.TryParse(candle[5].GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            {
                count++;
                volume += v;
                var start = DateTimeOffset.FromUnixTimeSeconds(seconds);
                first = start < first ? start : first;
            }
        }

        return (count, volume, count == 0 ? default : first);
    }
}
