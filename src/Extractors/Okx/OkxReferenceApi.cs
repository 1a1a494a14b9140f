using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Okx;

/// <summary>
/// OKX v5 spot reference data: <c>GET /api/v5/public/instruments?instType=SPOT</c> (<c>{"code":"0","data":[{instId,
/// baseCcy, quoteCcy, state, …}]}</c>; only <c>live</c> trades — <c>suspend</c>, <c>preopen</c>, <c>test</c> do not) and
/// <c>GET /api/v5/market/candles?bar=1m</c> (rows of strings ts ms, o, h, l, c, vol (base), volCcy, volCcyQuote,
/// confirm; newest first; <c>confirm</c> "0" marks the still-open candle). OKX reports no trade count.
/// </summary>
public sealed class OkxReferenceApi : IVenueReferenceApi
{
    /// <summary>OKX's /market/candles answers at most this many rows.</summary>
    public const int MaxCandles = 300;

    public string Source => Sources.Okx;

    public string InstrumentsPath => "api/v5/public/instruments?instType=SPOT";

    public IReadOnlyList<VenueInstrument> ReadInstruments(ReadOnlySpan<byte> body)
    {
        using var document = VenueReference.Parse(body);
        return VenueReference.Instruments(VenueReference.DataArray(document.RootElement, "0"), "baseCcy", "quoteCcy", instrument =>
        {
            var state = VenueReference.Text(instrument, "state");
            return (state == "live", state);
        });
    }

    public string CandlesPath(string symbol, int count, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"api/v5/market/candles?instId={symbol}&bar=1m&limit={Math.Min(count + 1, MaxCandles)}");

    public IReadOnlyList<Candle> ReadCandles(string symbol, ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        using var document = VenueReference.Parse(body);
        return VenueReference.Candles(VenueReference.DataArray(document.RootElement, "0"), 9, row =>
        {
            var start = VenueReference.Time(row, 0, milliseconds: true);
            var open = row[8].ValueKind == JsonValueKind.String && row[8].GetString() == "0";
            return open || start + VenueReference.OneMinute > receivedAt
                ? null
                : VenueReference.Candle(
                    Source,
                    symbol,
                    start,
                    open: VenueReference.Number(row, 1, "open"),
                    high: VenueReference.Number(row, 2, "high"),
                    low: VenueReference.Number(row, 3, "low"),
                    close: VenueReference.Number(row, 4, "close"),
                    volume: VenueReference.Number(row, 5, "volume"),
                    quoteVolume: VenueReference.Number(row, 7, "quote volume"),
                    count: 0);
        });
    }
}
