using System.ComponentModel.DataAnnotations;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Topology;

/// <summary>Where the topology keeps its state stores. Both are changelogged, so a restart continues.</summary>
public enum StateStoreKind
{
    InMemory,
    RocksDb,
}

/// <summary>How the robust consensus decides that a source is an outlier.</summary>
public enum OutlierRule
{
    /// <summary>Farther than <see cref="TopologyOptions.OutlierThresholdPercent"/> percent from the median of all sources.</summary>
    Percent,

    /// <summary>Farther than <see cref="TopologyOptions.OutlierMadMultiplier"/> median absolute deviations from the median.</summary>
    Mad,
}

/// <summary>Settings of the <c>Topology</c> configuration section (and of <see cref="CryptoTopology.Build"/>).</summary>
public sealed class TopologyOptions
{
    public const string SectionName = "Topology";

    /// <summary>Streamiz application id: consumer group, and prefix of changelog topics.</summary>
    [Required]
    public string ApplicationId { get; set; } = "cryptostreams-topology";

    /// <summary>Kafka bootstrap servers; bound from <c>Kafka:BootstrapServers</c> by <c>AddCryptoTopology</c>.</summary>
    [Required]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    /// <summary>SASL settings of every Streamiz client and the lag reader: <c>Kafka:*</c>, overridden by <c>Topology:Kafka:*</c>.</summary>
    public KafkaSecurityOptions Kafka { get; set; } = new();

    /// <summary>Directory for RocksDB stores and Streamiz task state.</summary>
    [Required]
    public string StateDir { get; set; } = Path.Combine(Path.GetTempPath(), "cryptostreams", "streams");

    [Range(1, 64)]
    public int Threads { get; set; } = 1;

    /// <summary>Exactly-once processing (transactions); at-least-once when false.</summary>
    public bool ExactlyOnce { get; set; }

    /// <summary>How often Streamiz commits offsets (and flushes stores).</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromSeconds(1);

    public StateStoreKind StateStore { get; set; } = StateStoreKind.InMemory;

    /// <summary>
    /// Consumer group session timeout: how long the broker waits before giving a vanished instance's partitions
    /// to another (an instance that stops cleanly leaves at once).
    /// </summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How long one Streamiz poll gathers records before they are processed (<c>poll.ms</c>). Streamiz waits the
    /// whole interval unless <see cref="MaxPollRecords"/> arrive first, so it is a floor on per-hop latency; the
    /// Streamiz default of 100 ms is far too long for windows that must close within tens of milliseconds.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// Records per poll (<c>max.poll.records</c>). Records of one poll are processed in event-time order across
    /// the raw topics, so a larger poll keeps a restarted topology's catch-up closer to event-time order.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxPollRecords { get; set; } = 10_000;

    /// <summary>
    /// How long a task waits for records on its empty input partitions before processing what it has
    /// (<c>max.task.idle.ms</c>). Streamiz waits again every time its buffers drain while any input partition is
    /// empty, and raw topics such as <c>raw.gaps</c> are nearly always empty, so anything above zero adds that
    /// wait to every hop. Zero (the default) needs no tuning: the windows wait for inputs with unread records on
    /// their own (<see cref="MaxInputWait"/>, <see cref="InputCheckInterval"/>).
    /// </summary>
    public TimeSpan MaxTaskIdle { get; set; } = TimeSpan.Zero;

    /// <summary>
    /// Most bytes one fetch returns per input partition (<c>max.partition.fetch.bytes</c>), librdkafka's 1 MiB by
    /// default. It needs no tuning: while a backlog is read, <c>market-windows</c> waits for the inputs that still have
    /// records to read, so the chunks of sparse and busy topics may span different stretches of event time without
    /// any tick becoming late; the size only changes how fast a backlog is read (docs/performance.md, catch-up benchmark).
    /// </summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxPartitionFetchBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// How long a window waits for an input whose backlog is not known (the broker has not answered the lag query yet,
    /// or it fails). Inputs known to have nothing left to read are never waited for; inputs with records still to read
    /// are waited for as long as they have them. After this wait an unknown input is treated as caught up (counted in
    /// <c>cryptostreams.topology.inputs.wait_expired</c> and logged).
    /// </summary>
    public TimeSpan MaxInputWait { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How often the host asks the broker for the end offsets of the inputs and the group's committed offsets, and how
    /// often <c>market-windows</c> re-checks its inputs' progress when no record arrives (so a backlog's last windows
    /// close once the last lagging input is read).
    /// </summary>
    public TimeSpan InputCheckInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>How long the output producer waits to fill a batch (<c>linger.ms</c>).</summary>
    public TimeSpan ProducerLinger { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Tumbling window length: 1 minute by default; 5 minutes or 1 hour work the same way.</summary>
    public TimeSpan WindowSize { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long after its end a window still accepts ticks (by stream time). Ticks later than that go to the DLQ as <c>late</c>.</summary>
    public TimeSpan Grace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>A tick whose event time is more than this ahead of its receive time is rejected (<c>event-time-skew</c>).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>A tick whose event time is more than this before its receive time is rejected (<c>event-time-skew</c>). Oracle rounds may be old.</summary>
    public TimeSpan MaxEventAge { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Emit a provisional candle (<c>final = false</c>) after every accepted tick; the final candle is always emitted.</summary>
    public bool EmitProvisionalCandles { get; set; } = true;

    /// <summary>
    /// How often an open candle's provisional update is emitted, in event time: on the candle's first tick, then on a
    /// tick at least this much event time after the one that last emitted. Zero emits on every tick. Each update is
    /// a record on <c>prices.1m</c> and an upsert in PostgreSQL, so at thousands of ticks per second one update per
    /// second per candle (the caches of Kafka Streams do the same per commit) keeps the topic and the loader from
    /// carrying every tick twice; the final candle is always emitted.
    /// </summary>
    public TimeSpan ProvisionalCandleInterval { get; set; } = TimeSpan.FromSeconds(1);

    public OutlierRule OutlierRule { get; set; } = OutlierRule.Percent;

    /// <summary>With <see cref="OutlierRule.Percent"/>: a source farther than this from the median is excluded.</summary>
    [Range(typeof(decimal), "0", "100")]
    public decimal OutlierThresholdPercent { get; set; } = 2m;

    /// <summary>With <see cref="OutlierRule.Mad"/>: a source farther than k·MAD from the median is excluded (when MAD &gt; 0).</summary>
    [Range(typeof(decimal), "0", "1000")]
    public decimal OutlierMadMultiplier { get; set; } = 3m;

    /// <summary>
    /// Stablecoin quotes counted as USD in the consensus, comma-separated, in order of preference after USD
    /// itself (default <c>USDT,USDC</c>; empty: USD quotes only).
    /// </summary>
    public string StablecoinsAsUsd { get; set; } = "USDT,USDC";

    /// <summary>Minimum level of Streamiz's own log messages (it logs every task and store at Information).</summary>
    public Microsoft.Extensions.Logging.LogLevel StreamizLogLevel { get; set; } = Microsoft.Extensions.Logging.LogLevel.Warning;

    /// <summary>The stablecoins of <see cref="StablecoinsAsUsd"/> as a list.</summary>
    public IReadOnlyList<string> StablecoinList() =>
        [.. StablecoinsAsUsd.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public MovingAverageKind MovingAverage { get; set; } = MovingAverageKind.Sma;

    [Range(1, 10_000)]
    public int ShortLength { get; set; } = 5;

    [Range(2, 10_000)]
    public int LongLength { get; set; } = 20;
}

/// <summary>The rules DataAnnotations cannot say: relations between settings.</summary>
public sealed class TopologyOptionsValidator : IValidateOptions<TopologyOptions>
{
    public ValidateOptionsResult Validate(string? name, TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = Check(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Every problem with <paramref name="options"/>, each naming the setting; empty when valid.</summary>
    public static IReadOnlyList<string> Check(TopologyOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.WindowSize < TimeSpan.FromSeconds(1) || options.WindowSize.Ticks % TimeSpan.TicksPerMillisecond != 0)
        {
            errors.Add($"Topology:WindowSize must be a whole number of milliseconds and at least 1 s (was {options.WindowSize}).");
        }

        if (options.WindowSize > TimeSpan.FromDays(1) || (TimeSpan.FromDays(1).Ticks % Math.Max(1, options.WindowSize.Ticks)) != 0)
        {
            errors.Add($"Topology:WindowSize must divide one day so windows align to UTC midnight (was {options.WindowSize}).");
        }

        if (options.Grace < TimeSpan.Zero)
        {
            errors.Add($"Topology:Grace must not be negative (was {options.Grace}).");
        }

        if (options.MaxFutureSkew < TimeSpan.Zero || options.MaxEventAge < TimeSpan.Zero)
        {
            errors.Add("Topology:MaxFutureSkew and Topology:MaxEventAge must not be negative.");
        }

        if (options.CommitInterval <= TimeSpan.Zero)
        {
            errors.Add($"Topology:CommitInterval must be positive (was {options.CommitInterval}).");
        }

        if (options.PollInterval <= TimeSpan.Zero || options.PollInterval > TimeSpan.FromSeconds(10))
        {
            errors.Add($"Topology:PollInterval must be between 1 ms and 10 s (was {options.PollInterval}).");
        }

        if (options.ProvisionalCandleInterval < TimeSpan.Zero)
        {
            errors.Add($"Topology:ProvisionalCandleInterval must not be negative (was {options.ProvisionalCandleInterval}).");
        }

        if (options.MaxTaskIdle < TimeSpan.Zero || options.ProducerLinger < TimeSpan.Zero)
        {
            errors.Add("Topology:MaxTaskIdle and Topology:ProducerLinger must not be negative.");
        }

        if (options.MaxInputWait < TimeSpan.Zero || options.MaxInputWait > TimeSpan.FromHours(1))
        {
            errors.Add($"Topology:MaxInputWait must be between 0 and 1 hour (was {options.MaxInputWait}).");
        }

        if (options.InputCheckInterval < TimeSpan.FromMilliseconds(10) || options.InputCheckInterval > TimeSpan.FromSeconds(10))
        {
            errors.Add($"Topology:InputCheckInterval must be between 10 ms and 10 s (was {options.InputCheckInterval}).");
        }

        if (options.ShortLength >= options.LongLength)
        {
            errors.Add($"Topology:ShortLength ({options.ShortLength}) must be less than Topology:LongLength ({options.LongLength}).");
        }

        foreach (var coin in options.StablecoinList())
        {
            if (string.IsNullOrWhiteSpace(coin) || coin.Any(c => !char.IsAsciiLetterUpper(c) && !char.IsAsciiDigit(c)) || coin == StablecoinPolicy.Usd)
            {
                errors.Add($"Topology:StablecoinsAsUsd entries must be upper-case currency codes other than USD (found '{coin}').");
            }
        }

        return errors;
    }
}
