using System.Globalization;
using Confluent.Kafka;
using CryptoStreams.Broker;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using CryptoStreams.TestSupport.Reference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CryptoStreams.EndToEnd.Tests;

/// <summary>
/// The real pipeline on this machine: the embedded broker, the project's PostgreSQL, and each stage in its own host
/// (as `extract`, `process` and `load` run), built with the same composition as <c>cryptostreams up</c>
/// (<see cref="PipelineHost.AddPipeline"/>), so a test can stop and restart one stage while the others run.
/// </summary>
internal sealed class PipelineRun : IAsyncDisposable
{
    /// <summary>A fixed simulated start so the run is the same every time.</summary>
    public static readonly DateTimeOffset SimulatedStart = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    // Grace much longer than any cross-topic delivery skew (a few hundred ms of wall time × speed), so no tick is late
    // because of the order in which partitions are fetched; the reference then sees the same windows close.
    public static readonly TimeSpan Grace = TimeSpan.FromMinutes(5);

    public const int ShortLength = 3;
    public const int LongLength = 8;

    private readonly string connectionString;
    private readonly string stateDir = Path.Combine(Path.GetTempPath(), "cryptostreams-e2e-" + Guid.NewGuid().ToString("N"));
    private readonly string id = Guid.NewGuid().ToString("N")[..8];

    private PipelineRun(EmbeddedBroker broker, string connectionString)
    {
        Broker = broker;
        this.connectionString = connectionString;
    }

    public EmbeddedBroker Broker { get; }

    public IHost? Extractors { get; private set; }

    public IHost? Topology { get; private set; }

    public IHost? Loader { get; private set; }

    public static async Task<PipelineRun> StartBrokerAsync(string connectionString)
    {
        var broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero, FsyncPolicy = FsyncPolicy.Never });
        return new PipelineRun(broker, connectionString);
    }

    public async Task StartExtractorsAsync(double speed) => Extractors = await StartAsync(PipelineStages.Extractors, speed);

    public async Task StartTopologyAsync() => Topology = await StartAsync(PipelineStages.Topology, speed: 1);

    public async Task StartLoaderAsync() => Loader = await StartAsync(PipelineStages.Loader, speed: 1);

    public static async Task StopAsync(IHost? host)
    {
        if (host is null)
        {
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await host.StopAsync(timeout.Token);
        host.Dispose();
    }

    public async Task StopExtractorsAsync()
    {
        await StopAsync(Extractors);
        Extractors = null;
    }

    public async Task StopTopologyAsync()
    {
        await StopAsync(Topology);
        Topology = null;
    }

    public async Task StopLoaderAsync()
    {
        await StopAsync(Loader);
        Loader = null;
    }

    public string TopologyApplicationId => "e2e-topology-" + id;

    public string TopologyStateDir => stateDir;

    /// <summary>The topology settings every run uses, in-process or as <c>cryptostreams process</c>.</summary>
    public static IReadOnlyDictionary<string, string?> TopologySettings() => new Dictionary<string, string?>
    {
        ["Topology:CommitInterval"] = "00:00:00.200",
        ["Topology:Grace"] = Grace.ToString(),
        ["Topology:ShortLength"] = ShortLength.ToString(CultureInfo.InvariantCulture),
        ["Topology:LongLength"] = LongLength.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>How far the simulated market has got: the latest receive time of any source.</summary>
    public DateTimeOffset SimulatedNow() =>
        Extractors?.Services.GetRequiredService<ExtractorStatus>().Snapshot().Select(s => s.LastTickAt).Max() ?? DateTimeOffset.MinValue;

    /// <summary>Every record on the raw topics, in the order the topology processes them: by record timestamp.</summary>
    public IReadOnlyList<ReferenceInput> ReadRawTopics()
    {
        var topics = Topics.RawTicks.Concat([Topics.RawChainlink, Topics.RawGaps]).ToList();
        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = Broker.BootstrapServers,
            GroupId = "e2e-reader-" + id,
            EnableAutoCommit = false,
        }).SetKeyDeserializer(Deserializers.Utf8).Build();
        var records = new List<(DateTime Time, int Topic, long Offset, ReferenceInput Input)>();
        foreach (var (topic, index) in topics.Select((t, i) => (t, i)))
        {
            var partition = new TopicPartition(topic, 0);
            var end = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
            if (end == 0)
            {
                continue;
            }

            consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
            while (true)
            {
                var result = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"{topic}: no record within 10 s");
                records.Add((result.Message.Timestamp.UtcDateTime, index, result.Offset.Value, new ReferenceInput(topic, result.Message.Key, result.Message.Value)));
                if (result.Offset.Value + 1 >= end)
                {
                    break;
                }
            }
        }

        return [.. records.OrderBy(r => r.Time).ThenBy(r => r.Topic).ThenBy(r => r.Offset).Select(r => r.Input)];
    }

    public static ReferenceParameters ReferenceParameters => new() { Grace = Grace, ShortLength = ShortLength, LongLength = LongLength };

    public NpgsqlDataSource Database() => NpgsqlDataSource.Create(connectionString);

    public async ValueTask DisposeAsync()
    {
        await StopAsync(Extractors);
        await StopAsync(Topology);
        await StopAsync(Loader);
        await Broker.DisposeAsync();
        if (Directory.Exists(stateDir))
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    private async Task<IHost> StartAsync(PipelineStages stage, double speed)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = Broker.BootstrapServers,
            ["Database:ConnectionString"] = connectionString,
            ["Extractors:Simulate:Enabled"] = "true",
            ["Extractors:Simulate:Seed"] = "7",
            ["Extractors:Simulate:Speed"] = speed.ToString(CultureInfo.InvariantCulture),
            ["Extractors:Simulate:Start"] = SimulatedStart.ToString("O", CultureInfo.InvariantCulture),
            ["Extractors:Simulate:TradesPerSecond"] = "0.2",
            ["Extractors:Simulate:DisconnectsPerHour"] = "0",
            ["Extractors:Simulate:MeanTrendLength"] = "00:05:00",
            ["Topology:ApplicationId"] = TopologyApplicationId,
            ["Topology:StateDir"] = TopologyStateDir,
            ["Loader:GroupId"] = "e2e-loader-" + id,
            ["Loader:BatchLinger"] = "00:00:00.050",
        });
        builder.Configuration.AddInMemoryCollection(TopologySettings());
        builder.Services.AddLogging();
        // One partition per topic: one stream task, so stream time is global as in the reference model.
        builder.Services.AddPipeline(builder.Configuration, new PipelineSettings(stage, Broker.BootstrapServers, Partitions: 1));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }
}
