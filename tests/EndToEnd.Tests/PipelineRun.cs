using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
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

    /// <summary>
    /// The topology settings every run uses, in-process or as <c>cryptostreams process</c>: the product's defaults
    /// (grace 30 s, librdkafka's fetch sizes, poll interval) but for a short commit interval, which only makes a
    /// restart replay less, and moving averages short enough for crossovers in a short market.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> TopologySettings() => new Dictionary<string, string?>
    {
        ["Topology:CommitInterval"] = "00:00:00.200",
        ["Topology:ShortLength"] = ShortLength.ToString(CultureInfo.InvariantCulture),
        ["Topology:LongLength"] = LongLength.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>How far the simulated market has got: the latest receive time of any source.</summary>
    public DateTimeOffset SimulatedNow() =>
        Extractors?.Services.GetRequiredService<ExtractorStatus>().Snapshot().Select(s => s.LastTickAt).Max() ?? DateTimeOffset.MinValue;

    /// <summary>
    /// Every record on the raw topics, by event time (the Kafka timestamp, which the extractors' sink sets to the
    /// record's event time: a tick's, a round's updatedAt, a gap's end), ties by topic and offset: the order the
    /// reference must see, however the topology happened to read them.
    /// </summary>
    public IReadOnlyList<ReferenceInput> ReadRawTopics() => ReadRawTopics(Broker.BootstrapServers, "e2e-reader-" + id);

    /// <inheritdoc cref="ReadRawTopics()"/>
    public static IReadOnlyList<ReferenceInput> ReadRawTopics(string bootstrapServers, string groupId)
    {
        var topics = Topics.RawTicks.Concat([Topics.RawChainlink, Topics.RawGaps]).ToList();
        return [.. topics.SelectMany((topic, index) => ReadTopic(bootstrapServers, groupId, topic).Select(r => (Index: index, Record: r)))
            .OrderBy(r => r.Record.Message.Timestamp.UnixTimestampMs).ThenBy(r => r.Index).ThenBy(r => r.Record.Partition.Value).ThenBy(r => r.Record.Offset.Value)
            .Select(r => new ReferenceInput(r.Record.Topic, r.Record.Message.Key, r.Record.Message.Value))];
    }

    /// <summary>Every record of <paramref name="topic"/> up to its end offsets now, partition by partition, in offset order.</summary>
    public static IReadOnlyList<ConsumeResult<string?, byte[]>> ReadTopic(string bootstrapServers, string groupId, string topic)
    {
        using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
            IsolationLevel = IsolationLevel.ReadCommitted,

            // The end of a partition, transaction markers included (the last offsets may be markers, never returned).
            EnablePartitionEof = true,
        }).SetKeyDeserializer(Deserializers.Utf8).Build();
        var records = new List<ConsumeResult<string?, byte[]>>();
        foreach (var partition in Partitions(bootstrapServers, topic))
        {
            consumer.Assign(new TopicPartitionOffset(partition, Offset.Beginning));
            while (true)
            {
                var result = consumer.Consume(TimeSpan.FromSeconds(30)) ?? throw new TimeoutException($"{partition}: neither a record nor its end within 30 s");
                if (result.IsPartitionEOF)
                {
                    break;
                }

                records.Add(result);
            }
        }

        return records;
    }

    /// <summary>How many records on <c>dlq.topology</c> say <c>late</c>.</summary>
    public int LateDeadLetters() => ReadTopic(Broker.BootstrapServers, "e2e-dlq-" + Guid.NewGuid().ToString("N"), Topics.DlqTopology)
        .Count(r => RecordJson.Deserialize<DeadLetter>(r.Message.Value).Reason == LateReason);

    /// <summary>The topology's dead-letter reason for a tick or gap whose window had closed (DeadLetterReasons.Late, internal to the topology).</summary>
    public const string LateReason = "late";

    /// <summary>Creates the catalog's topics (one partition each), as the stages' hosts do when they start.</summary>
    public async Task CreateTopicsAsync()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(TopicCatalog.All(1).Select(t => new TopicSpecification { Name = t.Name, NumPartitions = 1, ReplicationFactor = 1 }));
    }

    /// <summary>The topology's output topics as bytes: partition, key, timestamp and value of every record.</summary>
    public IReadOnlyDictionary<string, OutputRecords> ReadOutputTopics()
    {
        var group = "e2e-outputs-" + Guid.NewGuid().ToString("N");
        return new[] { Topics.Prices1m, Topics.Consensus1m, Topics.Deviation1m, Topics.SignalsCrossover }.ToDictionary(
            topic => topic,
            topic =>
            {
                var records = ReadTopic(Broker.BootstrapServers, group, topic);
                bool Final(ConsumeResult<string?, byte[]> r) => topic != Topics.Prices1m || RecordJson.Deserialize<Candle>(r.Message.Value).Final;
                string Bytes(ConsumeResult<string?, byte[]> r) =>
                    $"{r.Partition.Value} {r.Message.Key} {r.Message.Timestamp.UnixTimestampMs} {Convert.ToHexString(r.Message.Value)}";
                return new OutputRecords(
                    [.. records.Where(Final).Select(Bytes)],
                    [.. records.Where(r => !Final(r)).Select(Bytes).Order(StringComparer.Ordinal)]);
            },
            StringComparer.Ordinal);
    }

    /// <summary>Every partition of <paramref name="topic"/>.</summary>
    public static IReadOnlyList<TopicPartition> Partitions(string bootstrapServers, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
        return [.. metadata.Topics.Single().Partitions.Select(p => new TopicPartition(topic, p.PartitionId)).OrderBy(p => p.Partition.Value)];
    }

    /// <summary>The reference with the product's default window and grace.</summary>
    public static ReferenceParameters ReferenceParameters => new() { ShortLength = ShortLength, LongLength = LongLength };

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

/// <summary>One output topic as bytes: its final records in order, its provisional candles sorted.</summary>
internal sealed record OutputRecords(IReadOnlyList<string> Finals, IReadOnlyList<string> Provisional)
{
    public int Count => Finals.Count + Provisional.Count;
}
