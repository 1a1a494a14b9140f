using CryptoStreams.Extractors.Core.Polling;

namespace CryptoStreams.Extractors.CoinGecko;

/// <summary><c>Extractors:CoinGecko</c>. The free/demo plan allows about 30 calls a minute; one call covers every coin.</summary>
public sealed class CoinGeckoOptions : PriceApiOptions
{
    public const string Section = "Extractors:CoinGecko";

    public CoinGeckoOptions()
    {
        BaseUrl = new Uri("https://api.coingecko.com/");
        MaxCallsPerMinute = 30;
    }

    /// <summary>Optional demo-plan key, sent as <c>x-cg-demo-api-key</c>.</summary>
    public string? DemoApiKey { get; set; }

    protected override IReadOnlyDictionary<string, string> DefaultCoins { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bitcoin"] = "BTC",
        ["ethereum"] = "ETH",
        ["chainlink"] = "LINK",
    };
}
