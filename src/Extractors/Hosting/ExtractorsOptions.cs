using System.ComponentModel.DataAnnotations;

namespace CryptoStreams.Extractors.Hosting;

/// <summary>
/// <c>Extractors</c>: how the host runs the connectors. Each source has its own sub-section
/// (<c>Extractors:CoinGecko</c>, <c>Extractors:Chainlink</c>, <c>Extractors:Simulate</c>, <c>Extractors:Kafka</c>, …).
/// </summary>
public sealed class ExtractorsOptions
{
    public const string Section = "Extractors";

    /// <summary>When set, every received frame is saved here as NDJSON per source (<c>--record DIR</c>).</summary>
    public string? RecordDirectory { get; set; }

    /// <summary>First wait before restarting a crashed connector; doubles per crash in a row, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00")]
    public TimeSpan RestartMinBackoff { get; set; } = TimeSpan.FromSeconds(1);

    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan RestartMaxBackoff { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>A connector that ran this long before crashing starts its backoff over.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan HealthyRunLength { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Crashes in a row after which the source is shown as unreachable.</summary>
    [Range(1, 1000)]
    public int UnreachableAfterCrashes { get; set; } = 3;

    /// <summary>Instrument lists refresh (default twice a day; the first runs at start).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan InstrumentRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>Candle backfill (default hourly).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan CandleBackfillInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Switches the hourly candle backfill of the exchanges off (the instrument refresh stays on).</summary>
    public bool CandleBackfillEnabled { get; set; } = true;

    /// <summary>
    /// 1-minute candles fetched per symbol per backfill run; at most 300 (OKX's and Coinbase's page size), and at least
    /// <see cref="CandleBackfillInterval"/> in minutes so consecutive runs leave no minute unfetched (checked at start).
    /// The default overlaps the hourly run by five minutes; minutes already published are not published again.
    /// </summary>
    [Range(1, 300)]
    public int CandleBackfillCandles { get; set; } = 65;

    /// <summary>Window over which the status view computes tick rates.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RateWindow { get; set; } = TimeSpan.FromSeconds(10);
}
