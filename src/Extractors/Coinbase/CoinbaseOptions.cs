using CryptoStreams.Extractors.Exchange;

namespace CryptoStreams.Extractors.Coinbase;

/// <summary>Coinbase Exchange feed (<c>Extractors:Coinbase</c>).</summary>
public sealed class CoinbaseOptions : ExchangeOptions, IVenueOptionsValidation
{
    public const string Section = "Extractors:Coinbase";

    public CoinbaseOptions()
    {
        WebSocketUrl = "wss://ws-feed.exchange.coinbase.com";
        RestUrl = "https://api.exchange.coinbase.com";
        StallTimeout = TimeSpan.FromSeconds(30);
    }

    /// <summary><c>matches</c> (every trade) or <c>ticker</c> (every trade with best bid/ask).</summary>
    public string Channel { get; set; } = "matches";

    /// <summary>Subscribe the <c>heartbeat</c> channel too: one message per second per product keeps stall detection honest on quiet books.</summary>
    public bool Heartbeat { get; set; } = true;

    /// <summary>Trades per history page (Coinbase allows up to 1000).</summary>
    public int BackfillPageSize { get; set; } = 1000;

    public IEnumerable<string> Validate()
    {
        if (Channel is not ("matches" or "ticker"))
        {
            yield return $"Extractors:Coinbase:Channel '{Channel}' must be matches or ticker.";
        }

        if (BackfillPageSize is < 1 or > 1000)
        {
            yield return "Extractors:Coinbase:BackfillPageSize must be 1..1000.";
        }
    }
}
