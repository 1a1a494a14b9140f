using System.Diagnostics;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Schema;
using CryptoStreams.Topology;
using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Bench;

/// <summary>
/// <c>topology --broker</c>: the generated market is produced into an in-process embedded broker first; then the
/// stateless topology and the full topology each run as a real <see cref="KafkaStream"/> (own application id, so
/// both read everything from the start) until their consumer group has committed every input offset. The rate is
/// input records / (commit of the last input offset − first record processed); start-up (group join, task
/// creation) is printed separately. Both runs use the same Streamiz settings, printed at the start.
/// <para>
/// Catching up a backlog, Streamiz 1.8.2 processes whatever its poll buffered in timestamp order but never waits
/// for a partition that is behind, so the event-time spread between topics is one fetch chunk per partition.
/// With librdkafka's default 1 MB per partition (about 18 minutes of this market's ticks per partition) and the
/// whole pre-load in 1 MB producer batches, 30–78 % of the ticks were late; batches of 50 records and 16 KB per
/// partition fetch (about 17 s of ticks) bring it to about 1 %, the same for both topologies
/// (<c>--preload-batch</c>, <c>--partition-fetch-bytes</c>). The late records are counted and printed.
/// </para>
/// </summary>
internal sealed class TopologyBrokerRun
{
    private const string StatelessOutput = "bench.stateless";
    private const string AcceptedInstrument = "cryptostreams.topology.records.accepted";

    private readonly StateStoreKind stores;
    private readonly int partitions;
    private readonly int threads;
    private readonly int commitMs;
    private readonly int pollMs;
    private readonly int maxPoll;
    private readonly int lingerMs;
    private readonly int batchBytes;
    private readonly int partitionFetchBytes;
    private readonly int preloadBatch;
    private readonly int taskIdleMs;
    private readonly bool mock;

    public TopologyBrokerRun(TopologyBenchArguments arguments, StateStoreKind stores)
    {
        this.stores = stores;
        partitions = arguments.Int("--partitions", 4);
        threads = arguments.Int("--threads", 1);
        commitMs = arguments.Int("--commit-ms", 200);
        pollMs = arguments.Int("--poll-ms", 10);
        maxPoll = arguments.Int("--max-poll", 10_000);
        lingerMs = arguments.Int("--linger-ms", 5);
        batchBytes = arguments.Int("--batch-bytes", 1_000_000);
        partitionFetchBytes = arguments.Int("--partition-fetch-bytes", 16_384);
        preloadBatch = arguments.Int("--preload-batch", 50);
        taskIdleMs = arguments.Int("--task-idle-ms", 0);
        mock = arguments.Flag("--mock");
    }

    public async Task<(double Stateless, double Full)> RunAsync(TopologyMarket market, CancellationToken cancellationToken)
    {
        // Streamiz keeps the logger factory of the last StreamConfig in a static: this one lives until both runs are over.
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        Console.WriteLine($"Streamiz: {threads} stream thread(s), {partitions} partitions per topic, at-least-once, commit.interval.ms {commitMs}, "
            + $"poll.ms {pollMs}, max.poll.records {maxPoll}, max.task.idle.ms {taskIdleMs}, producer linger.ms {lingerMs}, batch.size {batchBytes:N0} B, "
            + $"max.partition.fetch.bytes {partitionFetchBytes:N0}, pre-load batches of {preloadBatch} records, {stores} stores");
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
        var runtime = new TopologyRuntime();
        var status = runtime.Status;
        var full = await RunStreamAsync(
            $"full topology ({stores} stores)",
            broker.BootstrapServers,
            loggerFactory,
            builder => CryptoTopology.Build(builder, new TopologyOptions { StateStore = stores }, runtime),
            processed: () => Interlocked.Read(ref accepted) + status.DeadLetters - status.LateRecords,
            expected: market.Records.Count,
            [.. endOffsets.Where(e => CryptoTopology.InputTopics.Contains(e.Key.Topic))],
            cancellationToken);
        Console.WriteLine($"  outputs: {status.Candles:N0} candles, {status.Consensus:N0} consensus, {status.Deviations:N0} deviations, {status.Signals:N0} signals, "
            + $"{status.DeadLetters:N0} dead letters ({status.LateRecords:N0} late), {status.WindowsClosed:N0} windows closed");
        PrintChangelogRecords(broker.BootstrapServers);
        if (status.LateRecords > 0)
        {
            PrintLateRecords(broker.BootstrapServers, status.DeadLetters);
        }

        return (stateless, full);
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
        var rate = await RunStreamAsync(
            label,
            bootstrapServers,
            loggerFactory,
            builder => TopologyHarness.BuildStateless(builder, StatelessOutput, () => Interlocked.Increment(ref count)),
            processed: () => Interlocked.Read(ref count),
            expected: market.Ticks,
            [.. endOffsets.Where(e => Topics.RawTicks.Contains(e.Key.Topic))],
            cancellationToken);
        Console.WriteLine($"  outputs: {Interlocked.Read(ref count):N0}");
        return rate;
    }

    /// <summary>How many records the full topology wrote to its stores' changelogs (the stores are cached: one per asset per commit, not one per tick).</summary>
    private void PrintChangelogRecords(string bootstrapServers)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        var changelogs = admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Select(t => t.Topic)
            .Where(t => t.StartsWith("bench-full-", StringComparison.Ordinal) && t.EndsWith("-changelog", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToList();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = "bench-watermarks" }).Build();
        var counts = changelogs.Select(topic =>
        {
            var records = Enumerable.Range(0, partitions)
                .Sum(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value);
            var store = topic["bench-full-".Length..][33..]; // after the application id's 32-digit guid and its dash
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

    private async Task<double> RunStreamAsync(
        string what,
        string bootstrapServers,
        ILoggerFactory loggerFactory,
        Action<StreamBuilder> build,
        Func<long> processed,
        long expected,
        List<KeyValuePair<TopicPartition, long>> endOffsets,
        CancellationToken cancellationToken)
    {
        var applicationId = $"bench-{(what.StartsWith("full", StringComparison.Ordinal) ? "full" : "stateless")}-{Guid.NewGuid():N}";
        var stateDir = Directory.CreateTempSubdirectory("bench-topology-broker-").FullName;
        var config = Config(applicationId, bootstrapServers, stateDir, loggerFactory);
        var builder = new StreamBuilder();
        build(builder);
        var stream = new KafkaStream(builder.Build(), config);
        using var watcher = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrapServers, GroupId = applicationId }).Build();
        try
        {
            var clock = Stopwatch.StartNew();
            await stream.StartAsync(cancellationToken);
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
            stream.Dispose();
            watcher.Close();
            Directory.Delete(stateDir, recursive: true);
        }
    }

    private static bool AllCommitted(IConsumer<byte[], byte[]> watcher, List<KeyValuePair<TopicPartition, long>> endOffsets)
    {
        var committed = watcher.Committed(endOffsets.Select(e => e.Key), TimeSpan.FromSeconds(10)).ToDictionary(c => c.TopicPartition, c => c.Offset.Value);
        return endOffsets.All(e => e.Value == 0 || (committed.TryGetValue(e.Key, out var offset) && offset >= e.Value));
    }

    /// <summary>The host's own mapping of <see cref="TopologyOptions"/> to Streamiz, with the producer batch size on top.</summary>
    private StreamConfig<StringSerDes, StringSerDes> Config(string applicationId, string bootstrapServers, string stateDir, ILoggerFactory loggerFactory)
    {
        var config = TopologyStreamConfig.For(
            new TopologyOptions
            {
                ApplicationId = applicationId,
                BootstrapServers = bootstrapServers,
                StateDir = stateDir,
                Threads = threads,
                CommitInterval = TimeSpan.FromMilliseconds(commitMs),
                SessionTimeout = TimeSpan.FromSeconds(10),
                PollInterval = TimeSpan.FromMilliseconds(pollMs),
                MaxPollRecords = maxPoll,
                MaxTaskIdle = TimeSpan.FromMilliseconds(taskIdleMs),
                ProducerLinger = TimeSpan.FromMilliseconds(lingerMs),
                MaxPartitionFetchBytes = partitionFetchBytes,
            },
            loggerFactory,
            metricsReporter: null);
        config.BatchSize = batchBytes;
        return config;
    }
}
