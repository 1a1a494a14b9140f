using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Coinbase;

/// <summary>
/// Coinbase Exchange reference data: <c>GET /products</c> (an array of {id, base_currency, quote_currency, status,
/// trading_disabled, cancel_only, …}; a product trades when <c>status</c> is <c>online</c> and neither flag is set)
/// and <c>GET /products/{id}/candles?granularity=60</c> (rows of bare numbers ordered time in seconds, LOW, HIGH,
/// open, close, volume; newest first; at most 300). Coinbase reports neither quote volume nor trade count, so the
/// VWAP of its candles is the typical price and their count is 0.
/// </summary>
public sealed class CoinbaseReferenceApi : IVenueReferenceApi
{
    public string Source => Sources.Coinbase;

    public string InstrumentsPath => "products";

    public IReadOnlyList<VenueInstrument> ReadInstruments(ReadOnlySpan<byte> body)
    {
        using var document = VenueReference.Parse(body);
        return VenueReference.Instruments(VenueReference.RootArray(document.RootElement), "base_currency", "quote_currency", product =>
        {
            var status = VenueReference.Text(product, "status");
            var disabled = Flag(product, "trading_disabled");
            var cancelOnly = Flag(product, "cancel_only");
            return (status == "online" && !disabled && !cancelOnly, status + (disabled ? ", trading disabled" : string.Empty) + (cancelOnly ? ", cancel only" : string.Empty));
        });
    }

    public string CandlesPath(string symbol, int count, DateTimeOffset now)
    {
        var end = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero);
        var start = end - TimeSpan.FromMinutes(count);
        return string.Create(CultureInfo.InvariantCulture, $"products/{symbol}/candles?granularity=60&start={start:yyyy-MM-ddTHH:mm:ssZ}&end={end:yyyy-MM-ddTHH:mm:ssZ}");
    }

    public IReadOnlyList<Candle> ReadCandles(string symbol, ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        using var document = VenueReference.Parse(body);
        return VenueReference.Candles(VenueReference.RootArray(document.RootElement), 6, row =>
        {
            var start = VenueReference.Time(row, 0, milliseconds: false);
            return start + VenueReference.OneMinute > receivedAt
                ? null
                : VenueReference.Candle(
                    Source,
                    symbol,
                    start,
                    open: VenueReference.Number(row, 3, "open"),
                    high: VenueReference.Number(row, 2, "high"),
                    low: VenueReference.Number(row, 1, "low"),
                    close: VenueReference.Number(row, 4, "close"),
                    volume: VenueReference.Number(row, 5, "volume"),
                    quoteVolume: null,
                    count: 0);
        });
    }

    private static bool Flag(JsonElement product, string name) =>
        product.TryGetProperty(name, out var flag) && flag.ValueKind == JsonValueKind.True;
}
