using CryptoStreams.Extractors.Core.Polling;

namespace CryptoStreams.Extractors.CoinCap;

/// <summary>
/// <c>Extractors:CoinCap</c>. The keyless v2 API was shut down on 2025-03-31; v3 needs an API key (Bearer token).
/// Without <see cref="ApiKey"/> the source stays off and says so.
/// </summary>
public sealed class CoinCapOptions : PriceApiOptions
{
    public const string Section = "Extractors:CoinCap";

    public CoinCapOptions()
    {
        BaseUrl = new Uri("https://rest.coincap.io/");
        MaxCallsPerMinute = 30;
    }

    public string? ApiKey { get; set; }

    protected override IReadOnlyDictionary<string, string> DefaultCoins { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["bitcoin"] = "BTC",
        ["ethereum"] = "ETH",
        ["chainlink"] = "LINK",
    };
}
