using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Coinbase;

/// <summary>
/// Coinbase Exchange <c>matches</c> (or <c>ticker</c>) with the <c>heartbeat</c> channel. After a subscribe Coinbase
/// sends a <c>last_match</c> that may repeat a published trade; the ledger recognises its id. Backfill pages
/// <c>/products/{id}/trades</c> backwards with the <c>CB-AFTER</c> cursor.
/// </summary>
public sealed class CoinbaseConnector : ExchangeConnector
{
    private readonly CoinbaseOptions options;
    private readonly Uri restBase;

    public CoinbaseConnector(CoinbaseOptions options, CoinbaseFrameParser parser, ExchangeConnectorContext context)
        : base(options, parser, context)
    {
        this.options = options;
        restBase = new Uri(options.RestUrl.TrimEnd('/') + "/");
    }

    protected override ValueTask<SessionEndpoint> ResolveEndpointAsync(CancellationToken cancellationToken) =>
        ValueTask.FromResult(new SessionEndpoint(new Uri(options.WebSocketUrl), Heartbeat: null));

    protected override Task SubscribeAsync(ExchangeSession session, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        string[] channels = options.Heartbeat ? [options.Channel, "heartbeat"] : [options.Channel];
        var request = new CoinbaseSubscribeRequest("subscribe", [.. Symbols], channels);
        return session.SendTextAsync(JsonSerializer.Serialize(request, ExchangeJsonContext.Default.CoinbaseSubscribeRequest), cancellationToken);
    }

    protected override Task<BackfillResult> BackfillAsync(string symbol, long afterId, DateTimeOffset afterTime, CancellationToken cancellationToken)
    {
        var channel = FrameChannels.Rest(CoinbaseFrameParser.TradesEndpoint, symbol);
        return BackfillBackwardsAsync(afterId, afterTime, FetchPageAsync, cancellationToken);

        async Task<(IReadOnlyList<Tick>, string?)> FetchPageAsync(string? cursor, CancellationToken ct)
        {
            var query = string.Create(CultureInfo.InvariantCulture, $"products/{symbol}/trades?limit={options.BackfillPageSize}");
            if (cursor is not null)
            {
                query += "&after=" + Uri.EscapeDataString(cursor);
            }

            var response = await Rest.GetAsync(new Uri(restBase, query), channel, ct).ConfigureAwait(false);
            var next = response.Headers.TryGetValues("CB-AFTER", out var values) ? values.FirstOrDefault() : null;
            return (ReadRestTicks(channel, response), next);
        }
    }
}
