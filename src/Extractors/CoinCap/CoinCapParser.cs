using System.Text.Json;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Core.Polling;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.CoinCap;

/// <summary>
/// Reads CoinCap v3 <c>/v3/assets?ids=…</c>: <c>{"data":[{"id":"bitcoin","symbol":"BTC","priceUsd":"…", …}],
/// "timestamp":1742810000000}</c>. Prices are strings; the response timestamp (Unix ms) is the event time.
/// </summary>
public sealed class CoinCapParser(IReadOnlyDictionary<string, string> coins) : IFrameParser
{
    public string Source => Sources.CoinCap;

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
                return FrameParseResult.Rejected("unexpected-shape", $"expected an object, got {root.ValueKind}");
            }

            if (root.TryGetProperty("error", out var error))
            {
                return FrameParseResult.Rejected("api-error", error.ToString());
            }

            if (!root.TryGetProperty("timestamp", out var timestamp) || !PayloadNumbers.TryGetUnixTime(timestamp, milliseconds: true, out var updatedAt))
            {
                return FrameParseResult.Rejected("missing-time", "no timestamp (Unix ms)");
            }

            if (!root.TryGetProperty("data", out var data))
            {
                return FrameParseResult.Rejected("unexpected-shape", "no data");
            }

            var batch = new QuoteBatch(Source, receivedAt);
            switch (data.ValueKind)
            {
                case JsonValueKind.Array:
                    foreach (var asset in data.EnumerateArray())
                    {
                        ReadAsset(asset, updatedAt, batch);
                    }

                    break;
                case JsonValueKind.Object:
                    ReadAsset(data, updatedAt, batch);
                    break;
                default:
                    return FrameParseResult.Rejected("unexpected-shape", $"data is {data.ValueKind}");
            }

            return batch.ToResult();
        }
    }

    private void ReadAsset(JsonElement entry, DateTimeOffset updatedAt, QuoteBatch batch)
    {
        if (entry.ValueKind != JsonValueKind.Object || !entry.TryGetProperty("id", out var idElement) || idElement.ValueKind != JsonValueKind.String)
        {
            batch.Problem("missing-id", "an entry has no id");
            return;
        }

        var id = idElement.GetString()!;
        if (!coins.TryGetValue(id, out var asset))
        {
            batch.Problem("unknown-coin", $"{id} is not a configured CoinCap id");
            return;
        }

        if (!entry.TryGetProperty("priceUsd", out var priceElement) || !PayloadNumbers.TryGetDecimal(priceElement, out var price))
        {
            batch.Problem("missing-price", $"{id}: no decimal priceUsd");
            return;
        }

        batch.AddUsdQuote(id, asset, price, updatedAt);
    }
}
