using System.ComponentModel.DataAnnotations;
using CryptoStreams.Schema.Kafka;

namespace CryptoStreams.Archive;

/// <summary>The <c>Archive</c> configuration section (plus the shared <c>Kafka:BootstrapServers</c>).</summary>
public sealed class ArchiveOptions : IValidatableObject
{
    public const string Section = "Archive";

    /// <summary>Whether <c>up</c> runs the archive (<c>up --no-archive</c> leaves it out too); <c>archive</c> always runs it.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Root of the local archive; with S3 configured, only its <c>_staging</c> folder is used (files before upload).</summary>
    [Required]
    public string Directory { get; set; } = Path.Combine(".data", "archive");

    /// <summary>Its own consumer group: the archive never takes partitions from, nor waits for, the topology or the loader.</summary>
    [Required]
    public string GroupId { get; set; } = "cryptostreams-archive";

    /// <summary>A file is published once it has grown to this many bytes (compressed, on disk)…</summary>
    [Range(1024, long.MaxValue)]
    public long MaxFileBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>…or once its first record has waited this long (wall clock), so quiet partitions still publish.</summary>
    public TimeSpan MaxFileAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Records buffered per partition before they are written to the open file as one row group.</summary>
    [Range(1, 10_000_000)]
    public int RowGroupRows { get; set; } = 100_000;

    /// <summary>How often progress (rows/s, files, lag) is logged and the status snapshot's rate refreshed.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>From <c>Kafka:BootstrapServers</c> unless set here.</summary>
    [Required]
    public string BootstrapServers { get; set; } = "127.0.0.1:9092";

    /// <summary>SASL settings of the archive's consumer and dead-letter producer: <c>Kafka:*</c>, overridden by <c>Archive:Kafka:*</c>.</summary>
    public KafkaSecurityOptions Kafka { get; set; } = new();

    /// <summary>The S3 destination; the archive writes there instead of <see cref="Directory"/> when a bucket is set.</summary>
    public ArchiveS3Options S3 { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (MaxFileAge <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"Archive:MaxFileAge must be positive (was {MaxFileAge}).", [nameof(MaxFileAge)]);
        }

        if (ProgressInterval <= TimeSpan.Zero)
        {
            yield return new ValidationResult($"Archive:ProgressInterval must be positive (was {ProgressInterval}).", [nameof(ProgressInterval)]);
        }

        if (S3.Configured)
        {
            if (!Uri.TryCreate(S3.ServiceUrl, UriKind.Absolute, out _) && string.IsNullOrWhiteSpace(S3.Region))
            {
                yield return new ValidationResult("Archive:S3: set ServiceUrl (e.g. http://minio:9000) or Region (AWS).", [nameof(S3)]);
            }

            if (string.IsNullOrEmpty(S3.AccessKey) != string.IsNullOrEmpty(S3.SecretKey))
            {
                yield return new ValidationResult("Archive:S3: AccessKey and SecretKey go together (or leave both out for the SDK's default credentials).", [nameof(S3)]);
            }
        }
    }
}

/// <summary>The <c>Archive:S3</c> section: any S3-compatible store, addressed path-style so MinIO and others work.</summary>
public sealed class ArchiveS3Options
{
    /// <summary>The bucket; setting it switches the archive to S3.</summary>
    public string? Bucket { get; set; }

    /// <summary>Key prefix inside the bucket (e.g. <c>archive/</c>); empty keeps the topics at the bucket's root.</summary>
    public string Prefix { get; set; } = string.Empty;

    /// <summary>Endpoint of an S3-compatible store, e.g. <c>http://minio:9000</c>; empty for AWS (then <see cref="Region"/>).</summary>
    public string? ServiceUrl { get; set; }

    public string? Region { get; set; }

    public string? AccessKey { get; set; }

    public string? SecretKey { get; set; }

    /// <summary>Path-style URLs (<c>http://host/bucket/key</c>): what MinIO and most S3-compatible stores expect.</summary>
    public bool ForcePathStyle { get; set; } = true;

    public bool Configured => !string.IsNullOrWhiteSpace(Bucket);
}
