using System.Diagnostics;
using System.Globalization;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Schema;
using CryptoStreams.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Bench;

/// <summary>
/// <c>topology --broker</c>, the catch-up benchmark: the generated market is produced into an in-process embedded
/// broker first (a backlog); then the stateless topology and the full topology each read it from the start with their
/// own application id until their consumer group has committed every input offset. The rate is input records /
/// (commit of the last input offset − first record processed); start-up (group join, task creation) is printed
/// separately.
/// <para>
/// The full topology runs as the product runs it: a host built with <c>AddCryptoTopology</c> (the registrations of
/// <c>cryptostreams process</c>), so its hosted service, its Streamiz configuration and its input-lag source
/// (<c>BrokerInputLag</c>, which lets <c>market-windows</c> wait for inputs that still have records to read) are the
/// shipped ones. Every setting is the product's default unless a flag overrides it; the stateless run binds the same
/// <c>Topology</c> settings and maps them with the same <see cref="TopologyStreamConfig"/>, so both read with the same
/// fetch sizes, poll and commit intervals. Late records (which a correct catch-up never has) are counted and printed.
/// </para>
/// </summary>
internal sealed class TopologyBrokerRun
{
    private const string StatelessOutput = "bench.stateless";
    private const string AcceptedInstrument = "cryptostreams.topology.records.accepted";

    // Flag → Topology setting: unset flags leave the product's default.
    private static readonly (string Flag, string Key, Func<int, string> Value)[] Overrides =
    [
        ("--threads", "Threads", v => v.ToString(CultureInfo.InvariantCulture)),
        ("--commit-ms", "CommitInterval", Milliseconds),
        ("--poll-ms", "PollInterval", Milliseconds),
        ("--max-poll", "MaxPollRecords", v => v.ToString(CultureInfo.InvariantCulture)),
        ("--task-idle-ms", "MaxTaskIdle", Milliseconds),
        ("--linger-ms", "ProducerLinger", Milliseconds),
        ("--partition-fetch-bytes", "MaxPartitionFetchBytes", v => v.ToString(CultureInfo.InvariantCulture)),
        ("--input-check-ms", "InputCheckInterval", Milliseconds),
    ];

    private readonly StateStoreKind stores;
    private readonly int partitions;
    private readonly int? preloadBatch;
    private readonly bool mock;
    private readonly Dictionary<string, string?> settings = new(StringComparer.Ordinal);

    public TopologyBrokerRun(TopologyBenchArguments arguments, StateStoreKind stores)
    {
        this.stores = stores;
        partitions = arguments.Int("--partitions", 4);
        preloadBatch = arguments.Flag("--preload-batch") ? arguments.Int("--preload-batch", 10_000) : null;
        mock = arguments.Flag("--mock");
        settings["Topology:StateStore"] = stores.ToString();
        foreach (var (flag, key, value) in Overrides.Where(o => arguments.Flag(o.Flag)))
        {
            settings["Topology:" + key] = value(arguments.Int(flag, 0));
        }
    }

    public async Task<(double Stateless, double Full)> RunAsync(TopologyMarket market, CancellationToken cancellationToken)
    {
        // Streamiz keeps the logger factory of the last StreamConfig in a static: this one lives until both runs are over.
        using var loggerFactory = LoggerFactory.Create(Warnings);
        var shown = Options(applicationId: "shown", bootstrapServers: "", stateDir: "");
        Console.WriteLine($"Topology settings (product defaults unless flagged): {shown.Threads} stream thread(s), {partitions} partitions per topic, "
            + $"{(shown.ExactlyOnce ? "exactly-once" : "at-least-once")}, CommitInterval {shown.CommitInterval.TotalMilliseconds:0} ms, "
            + $"PollInterval {shown.PollInterval.TotalMilliseconds:0} ms, MaxPollRecords {shown.MaxPollRecords:N0}, MaxTaskIdle {shown.MaxTaskIdle.TotalMilliseconds:0} ms, "
            + $"ProducerLinger {shown.ProducerLinger.TotalMilliseconds:0} ms, MaxPartitionFetchBytes {shown.MaxPartitionFetchBytes:N0}, "
            + $"InputCheckInterval {shown.InputCheckInterval.TotalMilliseconds:0} ms, MaxInputWait {shown.MaxInputWait.TotalSeconds:0} s, {shown.StateStore} stores; "
            + $"pre-load producer batches of {(preloadBatch is { } b ? $"{b:N0} records" : "librdkafka's default size")}");
        if (mock)
        {
            return await RunOnMockAsync(market, loggerFactory, cancellationToken);
        }

        await using var broker = await EmbeddedBroker.StartAsync(new BrokerOptions
        {
            Port = 0,
            AutoCreateTopics = true,
            DefaultPartitions = partitions,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            FsyncPolicy = FsyncPolicy.Never,
        }, loggerFactory, cancellationToken);
        await CreateTopicsAsync(broker.BootstrapServers);
        var endOffsets = Preload(broker.BootstrapServers, market, cancellationToken);

        var stateless = await RunStatelessAsync("stateless Filter+MapValues (ticks only)", broker.BootstrapServers, loggerFactory, market, endOffsets, cancellationToken);

        // The full topology counts accepted records in its own meter; listening costs one callback per record.
        long accepted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == TopologyMetrics.MeterName && instrument.Name == AcceptedInstrument)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref accepted, value));
        listener.Start();

        var applicationId = $"bench-full-{Guid.NewGuid():N}";
        var stateDir = Directory.CreateTempSubdirectory("bench-topology-broker-").FullName;
        using var host = FullTopologyHost(applicationId, broker.BootstrapServers, stateDir);
        var status = host.Services.GetRequiredService<TopologyStatus>();
        try
        {
            var full = await MeasureAsync(
                $"full topology ({stores} stores, hosted as `process` runs it)",
                applicationId,
                broker.BootstrapServers,
                start: () => host.StartAsync(cancellationToken),
                processed: () => Interlocked.Read(ref accepted) + status.DeadLetters - status.LateRecords,
                expected: market.Records.Count,
                [.. endOffsets.Where(e => CryptoTopology.InputTopics.Contains(e.Key.Topic))],
                cancellationToken);
            Console.WriteLine($"  outputs: {status.Candles:N0} candles, {status.Consensus:N0} consensus, {status.Deviations:N0} deviations, {status.Signals:N0} signals, "
                + $"{status.DeadLetters:N0} dead letters ({status.LateRecords:N0} late), {status.WindowsClosed:N0} windows closed");
            PrintChangelogRecords(broker.BootstrapServers, applicationId);
            if (status.LateRecords > 0)
            {
                PrintLateRecords(broker.BootstrapServers, status.DeadLetters);
            }

            return (stateless, full);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
            Directory.Delete(stateDir, recursive: true);
        }
    }

    private static void Warnings(ILoggingBuilder builder) => builder.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning);

    private static string Milliseconds(int ms) => TimeSpan.FromMilliseconds(ms).ToString("c", CultureInfo.InvariantCulture);

    /// <summary>The host <c>cryptostreams process</c> builds, minus the CLI: the topology stage's own registrations.</summary>
    private IHost FullTopologyHost(string applicationId, string bootstrapServers, string stateDir)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(Settings(applicationId, bootstrapServers, stateDir));
        builder.Services.AddLogging(Warnings);
        builder.Services.AddCryptoTopology(builder.Configuration);
        return builder.Build();
    }

    private Dictionary<string, string?> Settings(string applicationId, string bootstrapServers, string stateDir) =>
        new(settings, StringComparer.Ordinal)
        {
            ["Kafka:BootstrapServers"] = bootstrapServers,
            ["Topology:ApplicationId"] = applicationId,
            ["Topology:StateDir"] = stateDir,
        };

    /// <summary>The same settings bound the same way as the host binds them, for the stateless run's Streamiz configuration.</summary>
    private TopologyOptions Options(string applicationId, string bootstrapServers, string stateDir)
    {
        var options = new TopologyOptions();
        new ConfigurationBuilder().AddInMemoryCollection(Settings(applicationId, bootstrapServers, stateDir)).Build()
            .GetSection(TopologyOptions.SectionName).Bind(options);
        options.BootstrapServers = bootstrapServers;
        return options;
    }

    /// <summary>
    /// <c>--mock</c>: the stateless topology only, on librdkafka's in-process mock cluster instead of our broker, to
    /// tell the broker's share of the cost from Streamiz's (the mock has no internal-topic creation for the full one).
    /// </summary>
    private async Task<(double Stateless, double Full)> RunOnMockAsync(TopologyMarket market, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        using var cluster = CryptoStreams.TestSupport.Kafka.LibrdkafkaMockCluster.Start(groupInitialRebalanceDelay: TimeSpan.Zero);
        foreach (var topic in TopicCatalog.All(partitions).Select(t => t.Name).Append(StatelessOutput))
        {
            cluster.CreateTopic(topic, partitions);
        }

        var endOffsets = Preload(cluster.BootstrapServers, market, cancellationToken);
        var stateless = await RunStatelessAsync("stateless Filter+MapValues (ticks only) on the librdkafka mock cluster", cluster.BootstrapServers, loggerFactory, market, endOffsets, cancellationToken);
        return (stateless, double.NaN);
    }

    private async Task<double> RunStatelessAsync(string label, string bootstrapServers, ILoggerFactory loggerFactory, TopologyMarket market, Dictionary<TopicPartition, long> endOffsets, CancellationToken cancellationToken)
    {
        long count = 0;
        var applicationId = $"bench-stateless-{Guid.NewGuid():N}";
        var stateDir = Directory.CreateTempSubdirectory("bench-topology-broker-").FullName;
        var builder = new StreamBuilder();
        TopologyHarness.BuildStateless(builder, StatelessOutput, () => Interlocked.Increment(ref count));
        var stream = new KafkaStream(builder.Build(), TopologyStreamConfig.For(Options(applicationId, bootstrapServers, stateDir), loggerFactory, metricsReporter: null));
        try
        {
            var rate = await MeasureAsync(
                label,
                applicationId,
                bootstrapServers,
                start: () => stream.StartAsync(cancellationToken),
                processed: () => Interlocked.Read(ref count),
                expected: market.Ticks,
                [.. endOffsets.Where(e => Topics.RawTicks.Contains(e.Key.Topic))],
                cancellationToken);
            Console.WriteLine($"  outputs: {Interlocked.Read(ref count):N0}");
            return rate;
        }
        finally
        {
            stream.Dispose();
            Directory.Delete(stateDir, recursive: true);
        }
    }

    /// <summary>How many records the full topology wrote to its stores' changelogs (the stores are cached: one per asset per commit, not one per tick).</summary>
    private void PrintChangelogRecords(string bootstrapServers, string applicationId)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var changelogs = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Select(t => t.Topic)
            .Where(t => t.StartsWith(applicationId + "-", StringComparison.Ordinal) && t.EndsWith("-changelog", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "bench-watermarks" }).Build();
        var counts = changelogs.Select(topic =>
        {
            var records = Enumerable.Range(0, partitions)
                .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
            var store = topic[(applicationId.Length + 1)..];
            return $"{store} {records:N0}";
        });
        Console.WriteLine($"  changelog records: {string.Join(", ", counts)}");
    }

    /// <summary>Which raw topics the late records came from, and one example: catch-up from a backlog is not event-time ordered across topics.</summary>
    private static void PrintLateRecords(string bootstrapServers, long deadLetters)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "bench-dlq-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(Topics.DlqTopology);
        var perTopic = new SortedDictionary<string, long>(StringComparer.Ordinal);
        string? example = null;
        var read = 0L;
        var clock = Stopwatch.StartNew();
        while (read < deadLetters && clock.Elapsed < TimeSpan.FromSeconds(30))
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result)
            {
                continue;
            }

            read++;
            var letter = Schema.Serialization.RecordJson.Deserialize<DeadLetter>(result.Message.Value);
            perTopic[letter.Topic ?? "?"] = perTopic.GetValueOrDefault(letter.Topic ?? "?") + 1;
            example ??= letter.Error;
        }

        consumer.Close();
        Console.WriteLine($"  late by raw topic: {string.Join(", ", perTopic.Select(kv => $"{kv.Key} {kv.Value:N0}"))}");
        Console.WriteLine($"  e.g. {example}");
    }

    private async Task CreateTopicsAsync(string bootstrapServers)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var topics = TopicCatalog.All(partitions).Select(t => t.Name).Append(StatelessOutput);
        await admin.CreateTopicsAsync(topics.Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = 1 }));
    }

    /// <summary>Produces every record (keyed by asset, timestamp = event time) and returns each input partition's end offset.</summary>
    private Dictionary<TopicPartition, long> Preload(string bootstrapServers, TopologyMarket market, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        long failed = 0;
        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrapServers,
            EnableIdempotence = false,
            Acks = Acks.Leader,
            LingerMs = 5,
            BatchNumMessages = preloadBatch,
            QueueBufferingMaxMessages = 1_000_000,
            Partitioner = Partitioner.Murmur2Random,
        }).Build())
        {
            foreach (var r in market.Records)
            {
                cancellationToken.ThrowIfCancellationRequested();
                producer.Produce(r.Topic, new Message<string, byte[]> { Key = r.Key, Value = r.Payload, Timestamp = new Timestamp(r.Timestamp) },
                    report =>
                    {
                        if (report.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    });
            }

            producer.Flush(cancellationToken);
        }

        if (failed > 0)
        {
            throw new InvalidOperationException($"{failed} records could not be produced to the embedded broker");
        }

        Console.WriteLine($"pre-loaded {market.Records.Count:N0} records into {bootstrapServers} in {clock.Elapsed.TotalSeconds:0.0} s ({market.Records.Count / clock.Elapsed.TotalSeconds:N0} rec/s)");
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "bench-watermarks" }).Build();
        var ends = new Dictionary<TopicPartition, long>();
        foreach (var topic in CryptoTopology.InputTopics)
        {
            for (var p = 0; p < partitions; p++)
            {
                var partition = new TopicPartition(topic, p);
                ends[partition] = consumer.QueryWatermarkOffsets(partition, TimeSpan.FromSeconds(10)).High.Value;
            }
        }

        return ends;
    }

    private static async Task<double> MeasureAsync(
        string what,
        string groupId,
        string bootstrapServers,
        Func<Task> start,
        Func<long> processed,
        long expected,
        List<KeyValuePair<TopicPartition, long>> endOffsets,
        CancellationToken cancellationToken)
    {
        using var watcher = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = groupId }).Build();
        try
        {
            var clock = Stopwatch.StartNew();
            await start();
            TimeSpan? first = null, allProcessed = null, allCommitted = null;
            var limit = TimeSpan.FromMinutes(15);
            while (allCommitted is null)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (clock.Elapsed > limit)
                {
                    throw new TimeoutException($"{what}: {processed():N0} of {expected:N0} records processed after {limit}");
                }

                var count = processed();
                first ??= count > 0 ? clock.Elapsed : null;
                allProcessed ??= count >= expected ? clock.Elapsed : null;
                if (allProcessed is not null && AllCommitted(watcher, endOffsets))
                {
                    allCommitted = clock.Elapsed;
                }

                await Task.Delay(allProcessed is null ? 20 : 5, cancellationToken);
            }

            var busy = allCommitted.Value - first!.Value;
            var rate = expected / busy.TotalSeconds;
            Console.WriteLine($"{what}: {expected:N0} records in {busy.TotalSeconds:0.00} s = {rate:N0} rec/s (first record processed → last offset committed); "
                + $"start-up {first.Value.TotalSeconds:0.00} s, all processed after {(allProcessed!.Value - first.Value).TotalSeconds:0.00} s");
            return rate;
        }
        finally
        {
            watcher.Close();
        }
    }

    private static bool AllCommitted(IConsumer<byte[], byte[]> watcher, List<KeyValuePair<TopicPartition, long>> endOffsets)
    {
        var committed = watcher.Committed(endOffsets.Select(e => e.Key), TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
        return endOffsets.All(e => e.Value == 0 || (committed.TryGetValue(e.Key, out var offset) && offset >= e.Value));
    }
}
