using System.ComponentModel.DataAnnotations;
using CryptoStreams.Loader.Schema;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;

namespace CryptoStreams.Loader;

/// <summary>The <c>Loader</c> configuration section (plus the shared <c>Kafka:BootstrapServers</c> and <c>Database:ConnectionString</c>).</summary>
public sealed class LoaderOptions : IValidatableObject
{
    public const string Section = "Loader";

    /// <summary>The project's private cluster started by scripts/postgres.sh.</summary>
    public const string DefaultConnectionString = "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";

    /// <summary>Consumer group; loaders sharing it share the partitions, another group loads the same topics independently.</summary>
    [Required]
    public string GroupId { get; set; } = "cryptostreams-loader";

    /// <summary>Also load the raw exchange trades (<c>raw.binance</c> … into <c>market.trades</c>).</summary>
    public bool IncludeRawTrades { get; set; }

    /// <summary>Load the venues' own candles (<c>raw.candles</c>, the extractors' hourly backfill) into <c>market.venue_candles_1m</c>.</summary>
    public bool IncludeVenueCandles { get; set; } = true;

    /// <summary>A batch is written when it holds this many records…</summary>
    [Range(1, 1_000_000)]
    public int BatchSize { get; set; } = 5_000;

    /// <summary>…or when its first record has waited this long.</summary>
    public TimeSpan BatchLinger { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Auto (TimescaleDB when the server offers it), PostgreSql or TimescaleDb.</summary>
    public StoragePreference Storage { get; set; } = StoragePreference.Auto;

    /// <summary>Apply pending migrations before consuming.</summary>
    public bool MigrateOnStart { get; set; } = true;

    /// <summary>First wait after a failed write; doubles (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often progress (rows/s, batch latency, lag per partition) is logged.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Also commit consumed offsets to Kafka after each batch, so tools like <c>kafka-consumer-groups</c> show the
    /// group's progress. The loader itself resumes from <c>market.loader_offsets</c>.
    /// </summary>
    public bool CommitToKafka { get; set; } = true;

    /// <summary>From <c>Kafka:BootstrapServers</c> unless set here.</summary>
    [Required]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    /// <summary>SASL settings of the loader's consumer and dead-letter producer: <c>Kafka:*</c>, overridden by <c>Loader:Kafka:*</c>.</summary>
    public KafkaSecurityOptions Kafka { get; set; } = new();

    /// <summary>From <c>Database:ConnectionString</c> unless set here.</summary>
    [Required]
    public string ConnectionString { get; set; } = DefaultConnectionString;

    /// <summary>The topics this loader consumes.</summary>
    public IReadOnlyList<string> Topics =>
    [
        .. CryptoStreams.Schema.Topics.Transformed,
        .. IncludeVenueCandles ? [CryptoStreams.Schema.Topics.RawCandles] : Array.Empty<string>(),
        .. IncludeRawTrades ? RecordMapper.RawTradeTopics : [],
    ];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BatchLinger <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"Loader:BatchLinger must be positive (was {BatchLinger}).", [nameof(BatchLinger)]);
        }

        if (RetryInitialDelay <= TimeSpan.Zero || RetryMaxDelay < RetryInitialDelay)
        {
            yield return new ValidationResult(
                $"Loader:RetryInitialDelay must be positive and at most Loader:RetryMaxDelay (were {RetryInitialDelay} and {RetryMaxDelay}).",
                [nameof(RetryInitialDelay), nameof(RetryMaxDelay)]);
        }

        if (ProgressInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"Loader:ProgressInterval must be positive (was {ProgressInterval}).", [nameof(ProgressInterval)]);
        }
    }
}
