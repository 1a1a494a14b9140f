using System.Globalization;
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
        var data = VenueReference.DataArray(document.RootElement, "0");
        var instruments = new List<VenueInstrument>(data.GetArrayLength());
        foreach (var instrument in data.EnumerateArray())
        {
            var state = VenueReference.Text(instrument, "state");
            instruments.Add(new VenueInstrument(
                VenueReference.Symbol(VenueReference.Text(instrument, "baseCcy"), VenueReference.Text(instrument, "quoteCcy")),
                state == "live",
                state));
        }

        return instruments;
    }

    public string CandlesPath(string symbol, int count, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"api/v5/market/candles?instId={symbol}&bar=1m&limit={Math.Min(count + 1, MaxCandles)}");

    public IReadOnlyList<Candle> ReadCandles(string symbol, ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        using var document = VenueReference.Parse(body);
        var data = VenueReference.DataArray(document.RootElement, "0");
        var candles = new List<Candle>(data.GetArrayLength());
        foreach (var element in data.EnumerateArray())
        {
            var row = VenueReference.Row(element, 9);
            if (row[8].ValueKind == System.Text.Json.JsonValueKind.String && row[8].GetString() == "0")
            {
                continue;
            }

            candles.Add(VenueReference.Candle(
                Source,
                symbol,
                VenueReference.Time(row, 0, milliseconds: true),
                VenueReference.Number(row, 1, "open"),
                VenueReference.Number(row, 2, "high"),
                VenueReference.Number(row, 3, "low"),
                VenueReference.Number(row, 4, "close"),
                VenueReference.Number(row, 5, "volume"),
                VenueReference.Number(row, 7, "quote volume"),
                count: 0));
        }

        return candles;
    }
}
