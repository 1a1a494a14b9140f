using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using CryptoStreams.Archive.Layout;
using CryptoStreams.Archive.Tests.Support;
using CryptoStreams.Broker;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Archive.Tests.FakeS3;

/// <summary>
/// The archive (its real host registration, <c>AddArchive</c>, with <c>Archive:S3:*</c> set) against the embedded
/// broker and a <see cref="FakeS3Server"/>: a first wave is archived while the fake fails every upload with 500 until
/// the archive shows it is retrying; the archive is stopped, a second wave produced, the fake stopped (connection refused) and the archive
/// started again, so resuming (listing the bucket, paged) fails until the fake comes back. What the archive showed
/// meanwhile (status, the failure counter) is kept for the tests.
/// </summary>
public sealed class FakeS3ArchiveRun : IAsyncLifetime, IDisposable
{
    public const string Bucket = "cryptostreams-archive";
    public const string Prefix = "raw-history/";
    private const int PerWave = 300;

    private readonly ConcurrentQueue<long> failures = new();
    private EmbeddedBroker broker = null!;
    private MeterListener? listener;

    public FakeS3Server S3 { get; } = new(Bucket, FreePort.Next());

    public string Staging { get; } = Path.Combine(Path.GetTempPath(), "cs-archive-s3-" + Guid.NewGuid().ToString("N"));

    public IReadOnlyList<TopicRecord> OnTopics { get; private set; } = [];

    /// <summary>The archive's status while uploads failed with 500.</summary>
    public ArchiveSnapshot WhileUploadsFailed { get; private set; } = null!;

    /// <summary>Objects in the bucket when that status was taken, and staged files then.</summary>
    public int ObjectsWhileUploadsFailed { get; private set; }

    public int StagedWhileUploadsFailed { get; private set; }

    /// <summary>Objects, and the records they hold, when the first archive run stopped.</summary>
    public int ObjectsBeforeRestart { get; private set; }

    public long RowsBeforeRestart { get; private set; }

    /// <summary>The archive's status while the fake was down at start-up.</summary>
    public ArchiveSnapshot WhileStoreDown { get; private set; } = null!;

    /// <summary>The status after the last clean stop.</summary>
    public ArchiveSnapshot AtTheEnd { get; private set; } = null!;

    /// <summary>Sum of <c>cryptostreams.archive.failures</c> measurements.</summary>
    public long FailuresCounted => failures.Sum();

    public IReadOnlyList<ArchiveFile> Published { get; private set; } = [];

    public async Task InitializeAsync()
    {
        listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == ArchiveMetrics.MeterName && instrument.Name == "cryptostreams.archive.failures")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => failures.Enqueue(value));
        listener.Start();

        broker = await ArchiveTestData.StartBrokerAsync();
        // Uploads fail from the first one; listing the bucket (resuming) works.
        S3.FailUploads = true;
        await S3.StartAsync();
        var start = new DateTimeOffset(2026, 12, 2, 13, 50, 0, TimeSpan.Zero);
        await ArchiveTestData.ProduceAsync(broker.BootstrapServers, ArchiveTestData.Wave(0, PerWave, start));
        using (var archive = StartArchive())
        {
            var status = archive.Services.GetRequiredService<ArchiveStatus>();
            await Eventually.HoldsAsync(
                () => S3.FailedRequests > 0 && status.Current is { State: ArchiveState.Retrying, LastError: not null },
                "the archive retrying a failed upload", TimeSpan.FromSeconds(60));
            WhileUploadsFailed = status.Current;
            ObjectsWhileUploadsFailed = S3.Objects.Count;
            StagedWhileUploadsFailed = StagedFiles();
            S3.FailUploads = false;
            var first = ArchiveTestData.ReadTopics(broker.BootstrapServers).Count;
            await Eventually.HoldsAsync(() => Covered() >= first, $"the bucket covering the first wave's {first} records", TimeSpan.FromSeconds(90));
            await archive.StopAsync();
            ObjectsBeforeRestart = S3.Objects.Count;
            RowsBeforeRestart = Covered();
        }

        await ArchiveTestData.ProduceAsync(broker.BootstrapServers, ArchiveTestData.Wave(1, PerWave, start));
        OnTopics = ArchiveTestData.ReadTopics(broker.BootstrapServers);
        await S3.StopAsync();
        using (var archive = StartArchive())
        {
            var status = archive.Services.GetRequiredService<ArchiveStatus>();
            await Eventually.HoldsAsync(() => status.Current is { State: ArchiveState.Retrying, LastError: not null }, "the archive retrying while S3 is down", TimeSpan.FromSeconds(60));
            WhileStoreDown = status.Current;
            await S3.StartAsync();
            await Eventually.HoldsAsync(() => Covered() >= OnTopics.Count, $"the bucket covering all {OnTopics.Count} records", TimeSpan.FromSeconds(90));
            await archive.StopAsync();
            AtTheEnd = status.Current;
        }

        Published = [.. S3.Objects.Keys.Select(k => ArchiveFile.TryParse(k[Prefix.Length..], out var f) ? f : throw new InvalidDataException("unexpected key " + k))];
    }

    public void Dispose() => listener?.Dispose();

    public async Task DisposeAsync()
    {
        await S3.DisposeAsync();
        await broker.DisposeAsync();
        if (Directory.Exists(Staging))
        {
            Directory.Delete(Staging, recursive: true);
        }
    }

    /// <summary>An object's bytes written to a temporary file, for ParquetSharp (which reads paths).</summary>
    public string Download(ArchiveFile file, string folder)
    {
        var path = Path.Combine(folder, file.RelativePath.Replace('/', '_'));
        File.WriteAllBytes(path, S3.Objects[Prefix + file.RelativePath]);
        return path;
    }

    private long Covered() => S3.Objects.Keys.Sum(k => ArchiveFile.TryParse(k[Prefix.Length..], out var f) ? f.LastOffset - f.FirstOffset + 1 : 0);

    private int StagedFiles() => Directory.Exists(Staging) ? Directory.EnumerateFiles(Staging, "*", SearchOption.AllDirectories).Count() : 0;

    private IHost StartArchive()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = broker.BootstrapServers,
            // Only files being written live here with S3 configured.
            ["Archive:Directory"] = Staging,
            ["Archive:RowGroupRows"] = "40",
            ["Archive:MaxFileBytes"] = "6000",
            ["Archive:MaxFileAge"] = "00:00:01",
            ["Archive:ProgressInterval"] = "00:00:01",
            ["Archive:S3:ServiceUrl"] = S3.ServiceUrl,
            ["Archive:S3:Bucket"] = Bucket,
            ["Archive:S3:Prefix"] = Prefix,
            ["Archive:S3:AccessKey"] = FakeS3Server.AccessKey,
            ["Archive:S3:SecretKey"] = FakeS3Server.SecretKey,
        });
        builder.Services.AddArchive(builder.Configuration);
        var host = builder.Build();
        host.Start();
        return host;
    }
}
