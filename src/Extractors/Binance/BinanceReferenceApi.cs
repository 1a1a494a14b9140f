using System.Globalization;
using System.Text.Json;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Binance;

/// <summary>
/// Binance spot reference data: <c>GET /api/v3/exchangeInfo</c> (every symbol with <c>status</c>, <c>baseAsset</c>,
/// <c>quoteAsset</c>; only <c>TRADING</c> trades, <c>BREAK</c>/<c>HALT</c>/<c>END_OF_DAY</c> do not) and
/// <c>GET /api/v3/klines?interval=1m</c> (rows of open time ms, open, high, low, close, volume, close time,
/// quote volume, number of trades, …; oldest first, the last row may still be open).
/// </summary>
public sealed class BinanceReferenceApi : IVenueReferenceApi
{
    public string Source => Sources.Binance;

    public string InstrumentsPath => "api/v3/exchangeInfo";

    public IReadOnlyList<VenueInstrument> ReadInstruments(ReadOnlySpan<byte> body)
    {
        using var document = VenueReference.Parse(body);
        var root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("code", out var code) && root.TryGetProperty("msg", out var msg))
        {
            throw new VenuePayloadException(RejectReasons.VenueError, $"Binance error {code}: {msg}");
        }

        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("symbols", out var symbols) || symbols.ValueKind != JsonValueKind.Array)
        {
            throw new VenuePayloadException(RejectReasons.MissingField, "exchangeInfo has no symbols array");
        }

        return VenueReference.Instruments(symbols, "baseAsset", "quoteAsset", symbol =>
        {
            var status = VenueReference.Text(symbol, "status");
            return (status == "TRADING", status);
        });
    }

    public string CandlesPath(string symbol, int count, DateTimeOffset now) =>
        string.Create(CultureInfo.InvariantCulture, $"api/v3/klines?symbol={BinanceConnector.VenueSymbol(symbol)}&interval=1m&limit={count + 1}");

    public IReadOnlyList<Candle> ReadCandles(string symbol, ReadOnlySpan<byte> body, DateTimeOffset receivedAt)
    {
        using var document = VenueReference.Parse(body);
        return VenueReference.Candles(VenueReference.RootArray(document.RootElement), 9, row =>
        {
            // The current minute: Binance returns it while it is still filling.
            if (VenueReference.Time(row, 6, milliseconds: true) >= receivedAt)
            {
                return null;
            }

            var trades = row[8].ValueKind == JsonValueKind.Number && row[8].TryGetInt64(out var n)
                ? n
                : throw new VenuePayloadException(RejectReasons.MissingField, "kline trade count (element 8) is not a whole number");
            return VenueReference.Candle(
                Source,
                symbol,
                VenueReference.Time(row, 0, milliseconds: true),
                open: VenueReference.Number(row, 1, "open"),
                high: VenueReference.Number(row, 2, "high"),
                low: VenueReference.Number(row, 3, "low"),
                close: VenueReference.Number(row, 4, "close"),
                volume: VenueReference.Number(row, 5, "volume"),
                quoteVolume: VenueReference.Number(row, 7, "quote volume"),
                count: trades);
        });
    }
}
