using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Binance;

/// <summary>
/// Binance spot trades over the combined stream endpoint (<c>/stream</c>, SUBSCRIBE to <c>&lt;symbol&gt;@aggTrade</c>).
/// Binance pings every ~20 s at the WebSocket level (answered by the socket); it closes connections after 24 h and
/// announces maintenance with <c>serverShutdown</c>, so the connector reconnects before either. aggTrade ids are
/// contiguous per symbol: backfill asks <c>/api/v3/aggTrades?fromId=</c> for everything after the last one seen.
/// </summary>
public sealed class BinanceConnector : ExchangeConnector
{
    private readonly BinanceOptions options;
    private readonly Uri wsBase;
    private readonly Uri restBase;

    public BinanceConnector(BinanceOptions options, BinanceFrameParser parser, ExchangeConnectorContext context)
        : base(options, parser, context)
    {
        this.options = options;
        wsBase = new Uri(options.WebSocketUrl.TrimEnd('/') + "/");
        restBase = new Uri(options.RestUrl.TrimEnd('/') + "/");
    }

    /// <summary>Binance's REST spelling: <c>BTC-USDT</c> → <c>BTCUSDT</c>.</summary>
    public static string VenueSymbol(string canonical) => canonical.Replace("-", string.Empty, StringComparison.Ordinal);

    protected override ValueTask<SessionEndpoint> ResolveEndpointAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new SessionEndpoint(new Uri(wsBase, "stream"), Heartbeat: null));

    protected override Task SubscribeAsync(ExchangeSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        var streams = Symbols.Select(s => VenueSymbol(s).ToLowerInvariant() + "@" + options.TradeStream).ToArray();
        var request = JsonSerializer.Serialize(new SubscribeRequest("SUBSCRIBE", streams, 1), ExchangeJsonContext.Default.SubscribeRequest);
        return session.SendTextAsync(request, cancellationToken);
    }

    protected override bool IsReconnectSignal(ReadOnlySpan<byte> frame) => BinanceFrameParser.IsServerShutdown(frame);

    protected override async Task<BackfillResult> BackfillAsync(string symbol, long afterId, DateTimeOffset afterTime, CancellationToken cancellationToken)
    {
        var venueSymbol = VenueSymbol(symbol);
        var (path, endpoint) = options.TradeStream == "trade"
            ? ("api/v3/historicalTrades", BinanceFrameParser.HistoricalTradesEndpoint)
            : ("api/v3/aggTrades", BinanceFrameParser.AggTradesEndpoint);
        var channel = FrameChannels.Rest(endpoint, venueSymbol);
        var collected = new List<Tick>();
        var fromId = afterId + 1;
        var pages = 0;
        while (true)
        {
            var uri = new Uri(restBase, string.Create(CultureInfo.InvariantCulture, $"{path}?symbol={venueSymbol}&fromId={fromId}&limit={options.BackfillPageSize}"));
            var page = ReadRestTicks(channel, await Rest.GetAsync(uri, channel, cancellationToken).ConfigureAwait(false));
            pages++;
            collected.AddRange(page);
            if (page.Count < options.BackfillPageSize)
            {
                // A short page means the history has no more trades yet: everything after the anchor is here.
                return BackfillResult.Covered(collected, $"{collected.Count} trades from {pages} pages of {path}");
            }

            if (collected.Count >= options.MaxBackfillTrades)
            {
                return new BackfillResult(collected, GapCoverage.Partial, collected[^1].EventTime, null, $"stopped at MaxBackfillTrades={options.MaxBackfillTrades}");
            }

            fromId = long.Parse(page[^1].TradeId!, CultureInfo.InvariantCulture) + 1;
        }
    }
}
