using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.KuCoin;

/// <summary>
/// KuCoin spot reference data: <c>GET /api/v2/symbols</c> (<c>{"code":"200000","data":[{symbol, baseCurrency,
/// quoteCurrency, enableTrading, …}]}</c>) and <c>GET /api/v1/market/candles?type=1min</c> (rows of strings
/// ordered time in seconds, open, CLOSE, HIGH, low, volume, turnover; newest first). KuCoin reports no trade count.
/// </summary>
public sealed class KuCoinReferenceApi : IVenueReferenceApi
{
    public string Source => Sources.KuCoin;

    public string InstrumentsPath => "api/v2/symbols";

    public IReadOnlyList<VenueInstrument> ReadInstruments(ReadOnlySpan<byte> body)
    {
        using var document = VenueReference.Parse(body);
        return VenueReference.Instruments(VenueReference.DataArray(document.RootElement, "200000"), "baseCurrency", "quoteCurrency", symbol =>
        {
            var trading = symbol.TryGetProperty("enableTrading", out var enabled) && enabled.ValueKind == JsonValueKind.True;
            return (trading, trading ? "enableTrading" : "enableTrading=false");
        });
    }

    public string CandlesPath(string symbol, int count, DateTimeOffset now)
    {
        var end = now.ToUnixTimeSeconds();
        var start = end - ((count + 1) * 60L);
        return string.Create(CultureInfo.InvariantCulture, $"api/v1/market/candles?type=1min&symbol={symbol}&startAt={start}&endAt={end}");
    }

    public IReadOnlyList<Candle> ReadCandles(string symbol, ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        using var document = VenueReference.Parse(body);
        return VenueReference.Candles(VenueReference.DataArray(document.RootElement, "200000"), 7, row =>
        {
            var start = VenueReference.Time(row, 0, milliseconds: false);
            return start + VenueReference.OneMinute > receivedAt
                ? null
                : VenueReference.Candle(
                    Source,
                    symbol,
                    start,
                    open: VenueReference.Number(row, 1, "open"),
                    high: VenueReference.Number(row, 3, "high"),
                    low: VenueReference.Number(row, 4, "low"),
                    close: VenueReference.Number(row, 2, "close"),
                    volume: VenueReference.Number(row, 5, "volume"),
                    quoteVolume: VenueReference.Number(row, 6, "turnover"),
                    count: 0);
        });
    }
}
