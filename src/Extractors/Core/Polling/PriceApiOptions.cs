using System.ComponentModel.DataAnnotations;

namespace CryptoStreams.Extractors.Core.Polling;

/// <summary>Settings every polled price API shares (<c>Extractors:&lt;Api&gt;</c>).</summary>
public abstract class PriceApiOptions
{
    /// <summary>Switch the source off without removing its settings.</summary>
    public bool Enabled { get; set; } = true;

    [Required]
    public Uri? BaseUrl { get; set; }

    /// <summary>How often each coin's price should be refreshed, at best.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The API's per-minute request limit; calls are spaced so it is never exceeded.</summary>
    [Range(1, 10_000)]
    public int MaxCallsPerMinute { get; set; } = 30;

    /// <summary>Longest wait after repeated failures or a rate-limit answer without Retry-After.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Consecutive failed calls after which the API is reported unreachable.</summary>
    [Range(1, 1000)]
    public int UnreachableAfterFailures { get; set; } = 3;

    /// <summary>The API's coin id → canonical asset (<c>bitcoin</c> → <c>BTC</c>). Empty = the defaults.</summary>
    public Dictionary<string, string> Coins { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The coins used when none are configured.</summary>
    protected abstract IReadOnlyDictionary<string, string> DefaultCoins { get; }

    /// <summary>Configured coins, or the defaults; assets upper-cased.</summary>
    public IReadOnlyDictionary<string, string> EffectiveCoins() =>
        (Coins.Count > 0 ? Coins : DefaultCoins).ToDictionary(p => p.Key, p => p.Value.Trim().ToUpperInvariant(), StringComparer.Ordinal);
}
