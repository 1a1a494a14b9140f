using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Core.Polling;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.CoinGecko;

/// <summary>
/// Reads <c>/api/v3/simple/price?…&amp;vs_currencies=usd&amp;include_last_updated_at=true</c>:
/// <c>{"bitcoin":{"usd":67187.3358,"last_updated_at":1711356300}, …}</c>. The event time is
/// <c>last_updated_at</c> (Unix seconds).
/// </summary>
public sealed class CoinGeckoParser(IReadOnlyDictionary<string, string> coins) : IFrameParser
{
    public string Source => Sources.CoinGecko;

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
                return FrameParseResult.Rejected("unexpected-shape", $"expected an object of coins, got {root.ValueKind}");
            }

            // Errors come back as {"status":{"error_code":…,"error_message":…}} or {"error":"…"}.
            if (root.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object)
            {
                return FrameParseResult.Rejected("api-error", status.GetRawText());
            }

            if (root.TryGetProperty("error", out var error))
            {
                return FrameParseResult.Rejected("api-error", error.ToString());
            }

            var batch = new QuoteBatch(Source, receivedAt);
            foreach (var coin in root.EnumerateObject())
            {
                ReadCoin(coin, batch);
            }

            return batch.ToResult();
        }
    }

    private void ReadCoin(JsonProperty coin, QuoteBatch batch)
    {
        if (!coins.TryGetValue(coin.Name, out var asset))
        {
            batch.Problem("unknown-coin", $"{coin.Name} is not a configured CoinGecko id");
            return;
        }

        if (coin.Value.ValueKind != JsonValueKind.Object)
        {
            batch.Problem("unexpected-shape", $"{coin.Name}: expected an object, got {coin.Value.ValueKind}");
            return;
        }

        if (!coin.Value.TryGetProperty("usd", out var usd) || !PayloadNumbers.TryGetDecimal(usd, out var price))
        {
            batch.Problem("missing-price", $"{coin.Name}: no decimal usd price");
            return;
        }

        if (!coin.Value.TryGetProperty("last_updated_at", out var updated) || !PayloadNumbers.TryGetUnixTime(updated, milliseconds: false, out var updatedAt))
        {
            batch.Problem("missing-time", $"{coin.Name}: no last_updated_at");
            return;
        }

        batch.AddUsdQuote(coin.Name, asset, price, updatedAt);
    }
}
