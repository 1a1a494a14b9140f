using System.ComponentModel.DataAnnotations;
using Confluent.Kafka;
using CryptoStreams.Schema.Kafka;

namespace CryptoStreams.Extractors.Kafka;

/// <summary>
/// Producer settings of the extractors (<c>Extractors:Kafka</c>; the bootstrap servers come from the shared
/// <c>Kafka:BootstrapServers</c>).
/// </summary>
public sealed class KafkaSinkOptions
{
    public const string Section = "Extractors:Kafka";

    [Required]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    public string ClientId { get; set; } = "cryptostreams-extractors";

    /// <summary>SASL settings from <c>Kafka:*</c>, overridden by <c>Extractors:Kafka:*</c> (the extractors' own user).</summary>
    public KafkaSecurityOptions Security { get; set; } = new();

    /// <summary>lz4 (default) or zstd, gzip, snappy, none.</summary>
    [RegularExpression("^(lz4|zstd|gzip|snappy|none)$", ErrorMessage = "Extractors:Kafka:Compression must be lz4, zstd, gzip, snappy or none.")]
    public string Compression { get; set; } = "lz4";

    [Range(0, 1000)]
    public int LingerMs { get; set; } = 5;

    /// <summary>
    /// Records accepted but not yet acknowledged by the broker. When reached, publishing waits: connectors slow
    /// down instead of queueing without bound.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MaxInFlight { get; set; } = 100_000;

    /// <summary>
    /// Idempotent producer (default): retries never duplicate or reorder records. Switch off only for a broker
    /// that does not implement InitProducerId.
    /// </summary>
    public bool EnableIdempotence { get; set; } = true;

    /// <summary>How long shutdown waits for outstanding deliveries.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long librdkafka keeps retrying one record before reporting it failed.</summary>
    [Range(1000, int.MaxValue)]
    public int MessageTimeoutMs { get; set; } = 120_000;

    internal CompressionType CompressionType => Compression switch
    {
        "zstd" => CompressionType.Zstd,
        "gzip" => CompressionType.Gzip,
        "snappy" => CompressionType.Snappy,
        "none" => CompressionType.None,
        _ => CompressionType.Lz4,
    };

    internal ProducerConfig ToProducerConfig() => Security.ApplyTo(new ProducerConfig
    {
        BootstrapServers = BootstrapServers,
        ClientId = ClientId,
        EnableIdempotence = EnableIdempotence,
        Acks = Acks.All,
        CompressionType = CompressionType,
        LingerMs = LingerMs,
        MessageTimeoutMs = MessageTimeoutMs,

        // The hash Java clients and the Streamiz topology's producer use: an asset's raw and transformed records get
        // the same partition number, and any Kafka client can write to the raw topics co-partitioned with us.
        Partitioner = Partitioner.Murmur2Random,

        // Keep librdkafka's own queue below our in-flight bound, so a full queue shows up as back-pressure here.
        QueueBufferingMaxMessages = Math.Max(1, Math.Min(MaxInFlight, 1_000_000)),
    });
}
