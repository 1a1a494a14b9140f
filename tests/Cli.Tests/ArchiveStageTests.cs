using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using CryptoStreams.Archive;
using CryptoStreams.Broker;
using CryptoStreams.Cli.Api;
using CryptoStreams.Cli.Commands;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Cli.TopicManagement;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Spectre.Console;

namespace CryptoStreams.Cli.Tests;

/// <summary><c>up</c> runs the archive unless told not to.</summary>
public class UpArchiveStageTests
{
    [Theory]
    [InlineData(new[] { "up" }, null, true)]
    [InlineData(new[] { "up", "--simulate" }, null, true)]
    [InlineData(new[] { "up", "--no-archive" }, null, false)]
    [InlineData(new[] { "up" }, "false", false)]
    public void Up_runs_the_archive_stage_unless_no_archive_or_configuration_leaves_it_out(string[] args, string? enabled, bool archived)
    {
        var parseResult = CliApplication.Create().Parse(args);
        Assert.Empty(parseResult.Errors);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Archive:Enabled"] = enabled }).Build();

        var stages = UpCommand.Stages(parseResult, configuration, embedded: true);
        var services = new ServiceCollection().AddPipeline(configuration, new PipelineSettings(stages, "127.0.0.1:9092"));
        using var provider = services.BuildServiceProvider();
        var names = provider.GetServices<IStageStatusSource>().Select(s => s.Stage).ToList();

        Assert.Equal(archived, stages.HasFlag(PipelineStages.Archive));
        Assert.Equal(archived, names.Contains("archive"));
        Assert.Equal(archived, services.Any(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType == typeof(ArchiveService)));
        // Leaving the archive out leaves everything else in.
        Assert.Superset(new HashSet<string>(["broker", "loader", "topology", "extractors"], StringComparer.Ordinal), names.ToHashSet(StringComparer.Ordinal));
    }
}

/// <summary>
/// The archive stage inside the pipeline host (embedded broker, archive and API; one start shared by the assertions):
/// its status in <c>/status</c>, <c>/metrics</c> and the live view, its files, then <c>replay --archive</c> of those
/// files onto another broker.
/// </summary>
public sealed class ArchiveInThePipelineTests : IDisposable
{
    private const int Count = 12;

    private readonly string archiveDir = Directory.CreateTempSubdirectory("cli-archive-").FullName;

    public void Dispose() => Directory.Delete(archiveDir, recursive: true);

    [Fact]
    public async Task Archived_ticks_show_in_status_metrics_and_the_live_view_and_replay_from_the_archive_in_event_time_order()
    {
        // Produced out of event-time order (as two venues' feeds interleave on arrival), so the files hold them in
        // offset order and only a replay that sorts by event time puts them back in order.
        // Whole microseconds: the archive keeps timestamps as UTC microseconds, as the issue asks.
        var now = TimeProvider.System.GetUtcNow();
        var start = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero).AddHours(-1);
        var ticks = Enumerable.Range(0, Count)
            .Select(i => Tick(i % 2 == 0 ? Sources.Binance : Sources.Coinbase, i, start.AddSeconds((i * 7) % Count).AddMilliseconds(i)))
            .ToList();

        var brokerPort = FreePort.Next();
        var apiPort = FreePort.Next();
        var bootstrap = $"127.0.0.1:{brokerPort}";
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = bootstrap,
            ["Broker:Port"] = brokerPort.ToString(CultureInfo.InvariantCulture),
            ["Broker:GroupInitialRebalanceDelay"] = "00:00:00",
            ["Api:Port"] = apiPort.ToString(CultureInfo.InvariantCulture),
            ["Archive:Directory"] = archiveDir,
            // Publish as soon as the records are in, instead of after the default quarter of an hour.
            ["Archive:MaxFileAge"] = "00:00:01",
        });
        builder.Services.AddPipeline(builder.Configuration, new PipelineSettings(PipelineStages.Broker | PipelineStages.Archive | PipelineStages.Api, bootstrap, Partitions: 1));
        using var host = builder.Build();

        await host.StartAsync();
        try
        {
            await ProduceAsync(bootstrap, ticks);

            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{apiPort}") };
            JsonElement archive = default;
            await Eventually.HoldsAsync(async () =>
            {
                using var status = JsonDocument.Parse(await http.GetStringAsync("/status"));
                archive = status.RootElement.GetProperty("stages").GetProperty("archive").Clone();
                return archive.GetProperty("rows").GetInt64() == Count && archive.GetProperty("totalLag").GetInt64() == 0;
            }, $"/status shows the archive with all {Count} rows published");

            Assert.Equal("running", archive.GetProperty("state").GetString());
            Assert.Equal(archiveDir, archive.GetProperty("destination").GetString());
            Assert.InRange(archive.GetProperty("files").GetInt64(), 2, Count);
            Assert.True(archive.GetProperty("bytes").GetInt64() > 0);
            Assert.Equal(0, archive.GetProperty("deadLetters").GetInt64());

            var files = Directory.EnumerateFiles(archiveDir, "*.parquet", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(archiveDir, f).Replace('\\', '/')).ToList();
            Assert.Equal(archive.GetProperty("files").GetInt64(), files.Count);
            Assert.All(files, f => Assert.Matches(@"^raw\.(binance|coinbase)/date=\d{4}-\d{2}-\d{2}/hour=\d{2}/0-\d+-\d+\.parquet$", f));

            var metrics = string.Empty;
            await Eventually.HoldsAsync(async () =>
            {
                metrics = await http.GetStringAsync("/metrics");
                return Regex.IsMatch(metrics, $@"(?m)^cryptostreams_archive_rows\S*(\{{[^}}]*\}})? {Count}(\s|$)");
            }, $"/metrics counts the {Count} archived rows");
            Assert.Matches(@"(?m)^cryptostreams_archive_files\S*(\{[^}]*\})? [1-9]", metrics);

            // The live view as `up` builds it: the archive panel from the same services.
            var screen = new StringWriter();
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Out = new AnsiConsoleOutput(screen),
                Interactive = InteractionSupport.No,
            });
            console.Profile.Width = 240;
            using var view = ActivatorUtilities.CreateInstance<StatusView>(host.Services, console, new RecentLogs(TimeProvider.System));
            console.Write(view.Render(TimeProvider.System.GetUtcNow()));
            Assert.Matches($@"files / rows\s*│\s*{files.Count} / {Count}\b", screen.ToString());
        }
        finally
        {
            await host.StopAsync();
        }

        await using var target = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero });
        using (var admin = new TopicAdmin(target.BootstrapServers))
        {
            await admin.CreateAsync(TopicCatalog.All(1), 1, CancellationToken.None);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (exit, output, error) = await CliRunner.RunAsync(timeout.Token, "replay", "--archive", archiveDir, "--bootstrap", target.BootstrapServers);
        Assert.True(exit == 0, error + output);
        Assert.Contains($"re-published {Count} archived records", output, StringComparison.Ordinal);

        foreach (var source in new[] { Sources.Binance, Sources.Coinbase })
        {
            var expected = ticks.Where(t => t.Source == source).OrderBy(t => t.EventTime).ToList();
            var replayed = ReadAll(target.BootstrapServers, Topics.Raw(source), expected.Count);
            Assert.Equal(expected, replayed.Select(r => r.Tick));
            Assert.Equal(expected.Select(t => t.EventTime.ToUnixTimeMilliseconds()), replayed.Select(r => r.Timestamp.UnixTimestampMs));
        }
    }

    private static Tick Tick(string source, int n, DateTimeOffset time) =>
        new(source, TickKind.Trade, "BTC-USD", 94_312.01000000m + n, 0.00012300m, n % 2 == 0 ? TradeSide.Buy : TradeSide.Sell, "t" + n.ToString(CultureInfo.InvariantCulture), time, time.AddTicks(12_340));

    private static async Task ProduceAsync(string bootstrap, IEnumerable<Tick> ticks)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        foreach (var tick in ticks)
        {
            await producer.ProduceAsync(Topics.Raw(tick.Source), new Message<string, byte[]> { Key = tick.Asset, Value = RecordJson.Serialize(tick), Timestamp = new Timestamp(tick.EventTime) });
        }
    }

    private static List<(Tick Tick, Timestamp Timestamp)> ReadAll(string bootstrap, string topic, int count)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "archive-replay-check", EnableAutoCommit = false }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var read = new List<(Tick, Timestamp)>();
        var deadline = TimeProvider.System.GetUtcNow().AddSeconds(60);
        while (read.Count < count && TimeProvider.System.GetUtcNow() < deadline)
        {
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { Message: { } message })
            {
                read.Add((RecordJson.Deserialize<Tick>(message.Value), message.Timestamp));
            }
        }

        return read;
    }
}

/// <summary><c>cryptostreams archive</c> refuses bad options before it consumes anything.</summary>
public sealed class ArchiveCommandTests : IDisposable
{
    private readonly string dir = Directory.CreateTempSubdirectory("cli-archive-options-").FullName;

    public void Dispose() => Directory.Delete(dir, recursive: true);

    [Fact]
    public async Task Archive_with_an_invalid_option_fails_at_start_up_and_names_the_option()
    {
        var config = Path.Combine(dir, "bad.json");
        await File.WriteAllTextAsync(config, """{ "Archive": { "MaxFileAge": "00:00:00" } }""");

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var (exit, _, error) = await CliRunner.RunAsync(timeout.Token, "archive", "--config", config, "--dir", dir, "--bootstrap", "127.0.0.1:" + FreePort.Next());

        Assert.Equal(1, exit);
        Assert.Contains("archive: invalid configuration", error, StringComparison.Ordinal);
        Assert.Contains("Archive:MaxFileAge must be positive (was 00:00:00)", error, StringComparison.Ordinal);
    }
}
