using CryptoStreams.Archive.Layout;
using CryptoStreams.Broker;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Archive.Tests.Support;

/// <summary>
/// Shared by the crash tests: the embedded broker in this process, records produced in waves, and the real
/// <c>cryptostreams archive</c> process SIGKILLed at a random moment after each wave, then run to the end and stopped
/// cleanly. Files are rolled small (a few KiB, row groups of 40, one second) so the kills land between, during and
/// after publishes.
/// </summary>
public sealed class CrashedArchiveRun : IAsyncLifetime
{
    private const int Waves = 4;
    private const int PerWave = 500;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "cs-archive-" + Guid.NewGuid().ToString("N"));

    public IReadOnlyList<TopicRecord> OnTopics { get; private set; } = [];

    public IReadOnlyList<ArchiveFile> Published { get; private set; } = [];

    public int Kills { get; private set; }

    public int Seed { get; } = Environment.TickCount;

    public string Output { get; private set; } = string.Empty;

    private EmbeddedBroker broker = null!;

    public async Task InitializeAsync()
    {
        broker = await ArchiveTestData.StartBrokerAsync();
        var random = new Random(Seed);
        var start = new DateTimeOffset(2026, 12, 1, 9, 40, 0, TimeSpan.Zero);
        for (var wave = 0; wave < Waves; wave++)
        {
            await ArchiveTestData.ProduceAsync(broker.BootstrapServers, ArchiveTestData.Wave(wave, PerWave, start));
            await using var archive = await StartArchiveAsync();
            // A random moment: from right after joining the group to well into publishing the wave.
            await Task.Delay(random.Next(0, 1500));
            await archive.KillAsync();
            Kills++;
        }

        OnTopics = ArchiveTestData.ReadTopics(broker.BootstrapServers);
        await using (var last = await StartArchiveAsync())
        {
            var total = OnTopics.Count;
            await Eventually.HoldsAsync(
                () => PublishedFiles().Sum(f => f.LastOffset - f.FirstOffset + 1) >= total,
                $"the published files cover all {total} records", TimeSpan.FromSeconds(90));
            Assert.Equal(0, await last.TerminateAsync(TimeSpan.FromSeconds(60)));
            Output = last.Output;
        }

        Published = PublishedFiles();
    }

    public async Task DisposeAsync()
    {
        await broker.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    public string PathOf(ArchiveFile file) => Path.Combine(Root, file.RelativePath);

    private List<ArchiveFile> PublishedFiles() =>
        [.. Directory.Exists(Root)
            ? Directory.EnumerateFiles(Root, "*.parquet", SearchOption.AllDirectories)
                .Select(p => ArchiveFile.TryParse(Path.GetRelativePath(Root, p), out var f) ? f : throw new InvalidDataException("unexpected file " + p))
            : []];

    private Task<CliProcess> StartArchiveAsync() => CliProcess.StartAsync(
        "Archive.Tests",
        ["archive", "--bootstrap", broker.BootstrapServers, "--dir", Root],
        "Archive consuming group",
        new Dictionary<string, string?>
        {
            ["CRYPTOSTREAMS__Archive__RowGroupRows"] = "40",
            ["CRYPTOSTREAMS__Archive__MaxFileBytes"] = "6000",
            ["CRYPTOSTREAMS__Archive__MaxFileAge"] = "00:00:01",
            ["CRYPTOSTREAMS__Archive__ProgressInterval"] = "00:00:01",
        });
}
