using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Okx;

/// <summary>
/// OKX v5 <c>trades</c> channel. OKX expects the text <c>ping</c> when a connection has been quiet (it closes after
/// 30 s) and answers <c>pong</c>. Right after a subscribe OKX may push the latest trade again; the ledger recognises
/// its id, so it is not published twice. Backfill pages <c>/api/v5/market/history-trades</c> backwards by trade id.
/// </summary>
public sealed class OkxConnector : ExchangeConnector
{
    private readonly OkxOptions options;
    private readonly Uri restBase;

    public OkxConnector(OkxOptions options, OkxFrameParser parser, ExchangeConnectorContext context)
        : base(options, parser, context)
    {
        this.options = options;
        restBase = new Uri(options.RestUrl.TrimEnd('/') + "/");
    }

    protected override ValueTask<SessionEndpoint> ResolveEndpointAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new SessionEndpoint(new Uri(options.WebSocketUrl), new HeartbeatPolicy(options.PingAfterSilence, OnlyWhenSilent: true)));

    protected override Task SubscribeAsync(ExchangeSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var request = new OkxSubscribeRequest("subscribe", [.. Symbols.Select(s => new OkxChannel("trades", s))]);
        return session.SendTextAsync(JsonSerializer.Serialize(request, ExchangeJsonContext.Default.OkxSubscribeRequest), cancellationToken);
    }

    protected override Task SendHeartbeatAsync(ExchangeSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        return session.SendTextAsync("ping", cancellationToken);
    }

    protected override Task<BackfillResult> BackfillAsync(string symbol, long afterId, DateTimeOffset afterTime, CancellationToken cancellationToken)
    {
        var channel = FrameChannels.Rest(OkxFrameParser.HistoryTradesEndpoint, symbol);
        return BackfillBackwardsAsync(afterId, afterTime, FetchPageAsync, cancellationToken);

        async Task<(IReadOnlyList<Tick>, string?)> FetchPageAsync(string? cursor, CancellationToken ct)
        {
            // type=1: paginate by trade id; after=<id> returns trades older than that id, newest first.
            var query = string.Create(CultureInfo.InvariantCulture, $"api/v5/market/history-trades?instId={symbol}&type=1&limit={options.BackfillPageSize}");
            if (cursor is not null)
            {
                query += "&after=" + cursor;
            }

            var page = ReadRestTicks(channel, await Rest.GetAsync(new Uri(restBase, query), channel, ct).ConfigureAwait(false));
            var oldest = page.Count == 0 ? null : page.MinBy(TradeIds.Numeric);
            return (page, oldest?.TradeId);
        }
    }
}
