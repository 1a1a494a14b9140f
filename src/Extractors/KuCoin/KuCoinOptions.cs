using CryptoStreams.Extractors.Exchange;

namespace CryptoStreams.Extractors.KuCoin;

/// <summary>KuCoin spot matches (<c>Extractors:KuCoin</c>).</summary>
public sealed class KuCoinOptions : ExchangeOptions, IVenueOptionsValidation
{
    public const string Section = "Extractors:KuCoin";

    public KuCoinOptions()
    {
        // The token response names the instance server to use; this one is only the fallback when it names none.
        WebSocketUrl = "wss://ws-api-spot.kucoin.com/";
        RestUrl = "https://api.kucoin.com";
    }

    /// <summary>Candle type used to describe gaps longer than the 100 trades KuCoin keeps.</summary>
    public string GapCandleType { get; set; } = "1min";

    public IEnumerable<string> Validate()
    {
        if (GapCandleType is not ("1min" or "3min" or "5min" or "15min" or "30min" or "1hour"))
        {
            yield return $"Extractors:KuCoin:GapCandleType '{GapCandleType}' must be one of 1min, 3min, 5min, 15min, 30min, 1hour.";
        }
    }
}
