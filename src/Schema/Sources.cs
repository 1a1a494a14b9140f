namespace CryptoStreams.Schema;

/// <summary>Source names as they appear in records, topic names and configuration.</summary>
public static class Sources
{
    public const string Binance = "binance";
    public const string KuCoin = "kucoin";
    public const string Okx = "okx";
    public const string Coinbase = "coinbase";
    public const string CoinGecko = "coingecko";
    public const string Coinpaprika = "coinpaprika";
    public const string CoinCap = "coincap";
    public const string Chainlink = "chainlink";

    /// <summary>Exchanges streaming trades over WebSockets.</summary>
    public static readonly IReadOnlyList<string> Exchanges = [Binance, KuCoin, Okx, Coinbase];

    /// <summary>REST price APIs: the inputs of the classic "mean of the APIs" consensus.</summary>
    public static readonly IReadOnlyList<string> PriceApis = [CoinGecko, Coinpaprika, CoinCap];

    /// <summary>Every source that produces ticks.</summary>
    public static readonly IReadOnlyList<string> TickSources = [.. Exchanges, .. PriceApis];

    public static bool IsPriceApi(string source) => PriceApis.Contains(source, StringComparer.Ordinal);
}
