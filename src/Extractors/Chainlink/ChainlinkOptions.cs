using System.ComponentModel.DataAnnotations;

namespace CryptoStreams.Extractors.Chainlink;

/// <summary>One Chainlink price feed: the canonical symbol it prices and its proxy contract.</summary>
public sealed class ChainlinkFeed
{
    [Required]
    public string Symbol { get; set; } = string.Empty;

    [Required]
    [RegularExpression("^0x[0-9a-fA-F]{40}$", ErrorMessage = "A feed address is 0x followed by 40 hex digits.")]
    public string Address { get; set; } = string.Empty;
}

/// <summary><c>Extractors:Chainlink</c>: which feeds to read, through which JSON-RPC endpoint, how often.</summary>
public sealed class ChainlinkOptions
{
    public const string Section = "Extractors:Chainlink";

    public bool Enabled { get; set; } = true;

    /// <summary>Any Ethereum mainnet JSON-RPC endpoint (public ones rate-limit; use your own for production).</summary>
    [Required]
    public Uri? RpcUrl { get; set; } = new("https://ethereum-rpc.publicnode.com");

    /// <summary>How often <c>latestRoundData()</c> is read per feed. Feeds update at most every few seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    [Range(1, 1000)]
    public int UnreachableAfterFailures { get; set; } = 3;

    /// <summary>The feeds; empty = BTC/USD, ETH/USD and LINK/USD on Ethereum mainnet.</summary>
    public List<ChainlinkFeed> Feeds { get; set; } = [];

    /// <summary>Mainnet proxies from Chainlink's data-feeds directory.</summary>
    public static IReadOnlyList<ChainlinkFeed> MainnetFeeds { get; } =
    [
        new() { Symbol = "BTC-USD", Address = "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c" },
        new() { Symbol = "ETH-USD", Address = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419" },
        new() { Symbol = "LINK-USD", Address = "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c" },
    ];

    public IReadOnlyList<ChainlinkFeed> EffectiveFeeds() => Feeds.Count > 0 ? Feeds : MainnetFeeds;
}
