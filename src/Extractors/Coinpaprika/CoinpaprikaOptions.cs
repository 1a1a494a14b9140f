using System.ComponentModel.DataAnnotations;
using CryptoStreams.Extractors.Core.Polling;

namespace CryptoStreams.Extractors.Coinpaprika;

/// <summary>
/// <c>Extractors:Coinpaprika</c>. The free plan allows about 20,000 calls a <b>month</b>: one call per coin per
/// minute would need ~130,000 for three coins, so calls are spaced to fit the monthly budget and coins take turns.
/// </summary>
public sealed class CoinpaprikaOptions : PriceApiOptions
{
    public const string Section = "Extractors:Coinpaprika";

    public CoinpaprikaOptions()
    {
        BaseUrl = new Uri("https://api.coinpaprika.com/");
        MaxCallsPerMinute = 10;
    }

    /// <summary>Calls allowed per month (counted as 31 days, so a long month cannot overrun it).</summary>
    [Range(1, int.MaxValue)]
    public int MonthlyCallBudget { get; set; } = 20_000;

    protected override IReadOnlyDictionary<string, string> DefaultCoins { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["btc-bitcoin"] = "BTC",
        ["eth-ethereum"] = "ETH",
        ["link-chainlink"] = "LINK",
    };
}
