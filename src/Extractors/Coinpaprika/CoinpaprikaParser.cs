using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Core.Polling;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Coinpaprika;

/// <summary>
/// Reads <c>/v1/tickers/{id}</c>: <c>{"id":"btc-bitcoin", …, "last_updated":"2025-06-25T10:47:48Z",
/// "quotes":{"USD":{"price":107077.69661924685, …}}}</c>. The price is a JSON float: read from its text as decimal.
/// </summary>
public sealed class CoinpaprikaParser(IReadOnlyDictionary<string, string> coins) : IFrameParser
{
    public string Source => Sources.Coinpaprika;

    public FrameParseResult Parse(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
        if (!PayloadJson.TryParse(frame, out var document, out var rejected))
        {
            return rejected;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return FrameParseResult.Rejected("unexpected-shape", $"expected a ticker object, got {root.ValueKind}");
            }

            if (root.TryGetProperty("error", out var error))
            {
                return FrameParseResult.Rejected("api-error", error.ToString());
            }

            if (!root.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String)
            {
                return FrameParseResult.Rejected("missing-id", "ticker has no id");
            }

            var id = idElement.GetString()!;
            if (!coins.TryGetValue(id, out var asset))
            {
                return FrameParseResult.Rejected("unknown-coin", $"{id} is not a configured Coinpaprika id");
            }

            if (!root.TryGetProperty("quotes", out var quotes) || quotes.ValueKind != JsonValueKind.Object
                || !quotes.TryGetProperty("USD", out var usd) || usd.ValueKind != JsonValueKind.Object
                || !usd.TryGetProperty("price", out var priceElement) || !PayloadNumbers.TryGetDecimal(priceElement, out var price))
            {
                return FrameParseResult.Rejected("missing-price", $"{id}: no decimal quotes.USD.price");
            }

            if (!root.TryGetProperty("last_updated", out var updated) || updated.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(updated.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var updatedAt))
            {
                return FrameParseResult.Rejected("missing-time", $"{id}: no ISO-8601 last_updated");
            }

            var batch = new QuoteBatch(Source, receivedAt);
            batch.AddUsdQuote(id, asset, price, updatedAt);
            return batch.ToResult();
        }
    }
}
