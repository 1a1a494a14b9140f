using CryptoStreams.Extractors.Exchange;

namespace CryptoStreams.Extractors.Binance;

/// <summary>Binance spot trades (<c>Extractors:Binance</c>).</summary>
public sealed class BinanceOptions : ExchangeOptions, IVenueOptionsValidation
{
    public const string Section = "Extractors:Binance";

    public BinanceOptions()
    {
        WebSocketUrl = "wss://stream.binance.com:9443";
        RestUrl = "https://api.binance.com";

        // Binance cuts every connection after 24 h; leave before it does.
        MaxSessionLifetime = TimeSpan.FromHours(23.5);
    }

    /// <summary><c>aggTrade</c> (default; REST backfill through <c>/api/v3/aggTrades</c>) or <c>trade</c> (<c>/api/v3/historicalTrades</c>).</summary>
    public string TradeStream { get; set; } = "aggTrade";

    /// <summary>Trades per REST history page (Binance allows up to 1000).</summary>
    public int BackfillPageSize { get; set; } = 1000;

    public IEnumerable<string> Validate()
    {
        if (TradeStream is not ("aggTrade" or "trade"))
        {
            yield return $"Extractors:Binance:TradeStream '{TradeStream}' must be aggTrade or trade (one id space per connection, so repeats can be recognised).";
        }

        if (BackfillPageSize is < 1 or > 1000)
        {
            yield return "Extractors:Binance:BackfillPageSize must be 1..1000.";
        }
    }
}
