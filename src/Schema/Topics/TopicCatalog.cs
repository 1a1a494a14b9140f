namespace CryptoStreams.Schema;

/// <summary>How Kafka should clean a topic up.</summary>
public enum CleanupPolicy
{
    Delete,
    Compact,
}

/// <summary>A topic's shape, defined once: <c>topics create</c>, <c>topics.sh</c> and the tests read it from here.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partition count. Raw and transformed topics share one count so they stay co-partitioned.</param>
/// <param name="RetentionMs">retention.ms; -1 keeps forever.</param>
/// <param name="Cleanup">cleanup.policy.</param>
/// <param name="Description">What is on it, for <c>topics describe</c>.</param>
public sealed record TopicDefinition(string Name, int Partitions, long RetentionMs, CleanupPolicy Cleanup, string Description)
{
    public IReadOnlyDictionary<string, string> Configs => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["cleanup.policy"] = Cleanup == CleanupPolicy.Compact ? "compact" : "delete",
        ["retention.ms"] = RetentionMs.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}

/// <summary>The topics of ARCHITECTURE.md with their partitions, retention and cleanup policy.</summary>
public static class TopicCatalog
{
    /// <summary>
    /// One partition count for every keyed topic: the topology relies on raw and transformed topics being
    /// co-partitioned by asset (one sub-topology, no repartition topic).
    /// </summary>
    public const int DefaultPartitions = 6;

    private const long Day = 24L * 60 * 60 * 1000;

    public static IReadOnlyList<TopicDefinition> All(int partitions = DefaultPartitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var raw = Sources.TickSources
            .Select(s => new TopicDefinition(Topics.Raw(s), partitions, 7 * Day, CleanupPolicy.Delete, $"{s} ticks (key = asset, ts = event time)"))
            .ToList();
        raw.Add(new(Topics.RawChainlink, partitions, 30 * Day, CleanupPolicy.Delete, "Chainlink oracle rounds"));
        raw.Add(new(Topics.RawGaps, partitions, 30 * Day, CleanupPolicy.Delete, "time ranges a source missed, and how much was backfilled"));
        raw.Add(new(Topics.RawCandles, partitions, 30 * Day, CleanupPolicy.Delete, "venues' own 1-minute candles from the hourly REST backfill"));
        raw.Add(new(Topics.Prices1m, partitions, 30 * Day, CleanupPolicy.Delete, "per-source OHLC/VWAP candles, provisional and final"));
        raw.Add(new(Topics.Consensus1m, partitions, 30 * Day, CleanupPolicy.Delete, "market consensus per asset and window"));
        raw.Add(new(Topics.Deviation1m, partitions, 30 * Day, CleanupPolicy.Delete, "oracle deviation from consensus per window"));
        raw.Add(new(Topics.SignalsCrossover, partitions, 90 * Day, CleanupPolicy.Delete, "moving-average crossover signals"));
        foreach (var dlq in Topics.DeadLetters)
        {
            raw.Add(new(dlq, partitions, 30 * Day, CleanupPolicy.Delete, "rejected input with the reason"));
        }

        return raw;
    }
}
