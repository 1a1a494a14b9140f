using System.Globalization;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Per-topic configuration overrides (the keys Streamiz and admin tools set), with the broker defaults
/// behind them. Unknown keys are kept and reported back so tools that round-trip configs see them.
/// </summary>
internal sealed class TopicConfig
{
    public const string CleanupPolicy = "cleanup.policy";
    public const string RetentionMs = "retention.ms";
    public const string RetentionBytes = "retention.bytes";
    public const string SegmentBytes = "segment.bytes";
    public const string SegmentMs = "segment.ms";
    public const string MaxMessageBytes = "max.message.bytes";
    public const string DeleteRetentionMs = "delete.retention.ms";
    public const string MinCompactionLagMs = "min.compaction.lag.ms";
    public const string MessageTimestampType = "message.timestamp.type";
    public const string TimestampBeforeMaxMs = "message.timestamp.before.max.ms";
    public const string TimestampAfterMaxMs = "message.timestamp.after.max.ms";

    private static readonly string[] NumericKeys =
        [RetentionMs, RetentionBytes, SegmentBytes, SegmentMs, MaxMessageBytes, DeleteRetentionMs, MinCompactionLagMs, TimestampBeforeMaxMs, TimestampAfterMaxMs];

    // Built once: the broker's options do not change while it runs, and appends read max.message.bytes per request.
    private readonly Dictionary<string, string> _defaults;

    public TopicConfig(BrokerOptions defaults, IReadOnlyDictionary<string, string>? overrides = null)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        _defaults = Defaults(defaults);
        Overrides = overrides is null ? new(StringComparer.Ordinal) : new(overrides, StringComparer.Ordinal);
    }

    public Dictionary<string, string> Overrides { get; }

    public bool IsCompacted => Get(CleanupPolicy).Contains("compact", StringComparison.Ordinal);

    public bool IsDeleteRetention => Get(CleanupPolicy).Contains("delete", StringComparison.Ordinal);

    public long RetentionMilliseconds => GetLong(RetentionMs);

    public long RetentionByteLimit => GetLong(RetentionBytes);

    public long SegmentByteLimit => GetLong(SegmentBytes);

    public long SegmentMilliseconds => GetLong(SegmentMs);

    public long MaxBatchBytes => GetLong(MaxMessageBytes);

    public long DeleteRetentionMilliseconds => GetLong(DeleteRetentionMs);

    public bool IsLogAppendTime => Get(MessageTimestampType) == "LogAppendTime";

    /// <summary>How far a CreateTime timestamp may lie in the past / future of the broker's clock (Kafka 3.6+).</summary>
    public (long Before, long After) TimestampBounds => (GetLong(TimestampBeforeMaxMs), GetLong(TimestampAfterMaxMs));

    /// <summary>Every config Kafka tools commonly read, with its effective value and whether it is the default.</summary>
    public IEnumerable<(string Name, string Value, bool IsDefault)> All()
    {
        foreach (var (name, value) in _defaults)
        {
            yield return Overrides.TryGetValue(name, out var set) ? (name, set, false) : (name, value, true);
        }

        foreach (var (name, value) in Overrides)
        {
            if (!_defaults.ContainsKey(name))
            {
                yield return (name, value, false);
            }
        }
    }

    public string Get(string name) =>
        Overrides.TryGetValue(name, out var value) ? value : _defaults.GetValueOrDefault(name, string.Empty);

    private long GetLong(string name) => long.Parse(Get(name), CultureInfo.InvariantCulture);

    private static Dictionary<string, string> Defaults(BrokerOptions options) => new(StringComparer.Ordinal)
    {
        [CleanupPolicy] = "delete",
        [RetentionMs] = options.RetentionMs.ToString(CultureInfo.InvariantCulture),
        [RetentionBytes] = options.RetentionBytes.ToString(CultureInfo.InvariantCulture),
        [SegmentBytes] = options.SegmentBytes.ToString(CultureInfo.InvariantCulture),
        [SegmentMs] = options.SegmentMs.ToString(CultureInfo.InvariantCulture),
        [MaxMessageBytes] = options.MaxMessageBytes.ToString(CultureInfo.InvariantCulture),
        [DeleteRetentionMs] = "86400000",
        [MinCompactionLagMs] = "0",
        [MessageTimestampType] = "CreateTime",
        [TimestampBeforeMaxMs] = long.MaxValue.ToString(CultureInfo.InvariantCulture),
        [TimestampAfterMaxMs] = long.MaxValue.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Checks a proposed value; returns an error message or null.</summary>
    public static string? Validate(string name, string? value)
    {
        if (value is null)
        {
            return null;
        }

        if (name == CleanupPolicy)
        {
            var parts = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return parts.Length > 0 && parts.All(p => p is "delete" or "compact") ? null : $"cleanup.policy must be delete and/or compact, not '{value}'";
        }

        if (name == MessageTimestampType && value is not ("CreateTime" or "LogAppendTime"))
        {
            return $"message.timestamp.type must be CreateTime or LogAppendTime, not '{value}'";
        }

        if (NumericKeys.Contains(name) && !long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _))
        {
            return $"{name} must be an integer, not '{value}'";
        }

        if (name == SegmentBytes && long.Parse(value, CultureInfo.InvariantCulture) < 1024)
        {
            return "segment.bytes must be at least 1024";
        }

        return null;
    }

    public static ErrorCode ValidateAll(IEnumerable<KeyValuePair<string, string?>> configs, out string? message)
    {
        foreach (var (name, value) in configs)
        {
            message = Validate(name, value);
            if (message is not null)
            {
                return ErrorCode.InvalidConfig;
            }
        }

        message = null;
        return ErrorCode.None;
    }
}
