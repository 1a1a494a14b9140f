using System.ComponentModel.DataAnnotations;

namespace CryptoStreams.Extractors.Simulation;

/// <summary>An asset of the simulated market and where its price starts.</summary>
public sealed class SimulatedAsset
{
    [Required]
    public string Asset { get; set; } = string.Empty;

    [Range(typeof(decimal), "0.0001", "100000000")]
    public decimal StartPrice { get; set; }
}

/// <summary>
/// <c>Extractors:Simulate</c>: a seeded synthetic market in place of the live sources (<c>--simulate</c>). The same
/// (seed, start, options) always gives the same records.
/// </summary>
public sealed class SimulationOptions
{
    public const string Section = "Extractors:Simulate";

    public bool Enabled { get; set; }

    public int Seed { get; set; } = 42;

    /// <summary>Simulated seconds per wall-clock second (60 = one simulated minute per second).</summary>
    [Range(0.01, 1_000_000)]
    public double Speed { get; set; } = 60;

    /// <summary>Simulated start time; null = now.</summary>
    public DateTimeOffset? Start { get; set; }

    /// <summary>Empty = BTC, ETH and LINK at realistic prices.</summary>
    public List<SimulatedAsset> Assets { get; set; } = [];

    /// <summary>Trades per simulated second, per exchange and asset.</summary>
    [Range(0.0, 10_000)]
    public double TradesPerSecond { get; set; } = 2;

    /// <summary>How often each price API reports a quote.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan QuoteInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>The oracle writes a new round when the price moved this far from its last answer…</summary>
    [Range(typeof(decimal), "0.001", "100")]
    public decimal OracleDeviationPercent { get; set; } = 0.5m;

    /// <summary>…or when this much time passed since its last round.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan OracleHeartbeat { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Mean length of a trend before it changes direction (so moving averages cross regularly).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan MeanTrendLength { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Drift during a trend, percent per simulated minute.</summary>
    [Range(0.0, 10)]
    public double TrendPercentPerMinute { get; set; } = 0.08;

    /// <summary>Random-walk volatility, percent per square-root minute.</summary>
    [Range(0.0, 10)]
    public double VolatilityPercent { get; set; } = 0.08;

    /// <summary>Disconnects per exchange per simulated hour; each leaves a gap record.</summary>
    [Range(0.0, 3600)]
    public double DisconnectsPerHour { get; set; } = 1;

    /// <summary>Longest simulated disconnect.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan MaxDisconnect { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>Fraction of exchange frames that arrive corrupt and go to the dead-letter topic.</summary>
    [Range(0.0, 1.0)]
    public double BadPayloadRate { get; set; } = 0.002;

    public static IReadOnlyList<SimulatedAsset> DefaultAssets { get; } =
    [
        new() { Asset = "BTC", StartPrice = 60_000m },
        new() { Asset = "ETH", StartPrice = 3_000m },
        new() { Asset = "LINK", StartPrice = 15m },
    ];

    public IReadOnlyList<SimulatedAsset> EffectiveAssets() => Assets.Count > 0 ? Assets : DefaultAssets;
}
