using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Extractors.Simulation;
using CryptoStreams.Loader;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport;
using CryptoStreams.Topology;
using HdrHistogram;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CryptoStreams.Bench;

/// <summary>
/// The real pipeline in one process: embedded broker → topology (KafkaStream) → loader → a fresh PostgreSQL database,
/// fed with the simulated market's pure generator through a plain producer (the extractors' topic, key and timestamp
/// scheme). Two runs, each on its own broker and database:
/// <list type="number">
/// <item><b>max</b>: N ticks produced as fast as possible; time until the loader has committed the final consensus
/// rows of the last window the ticks close.</item>
/// <item><b>paced</b>: ticks at a fixed rate (default 10k/s); for every window, the latency from producing the tick
/// that moves stream time past window end + grace to (a) the final consensus / deviation record on its topic and
/// (b) its row in PostgreSQL (polled), as p50/p99.</item>
/// </list>
/// <c>dotnet run -c Release --project bench/Bench -- e2e [--ticks N] [--rate N] [--seconds S] [--commit-ms MS]
/// [--only max|paced] [--database CS]</c>
/// </summary>
public sealed class EndToEndHarness : IHarness
{
    private static readonly DateTimeOffset SimulatedStart = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    // Simulated ticks per simulated second (3 assets × 4 venues × trades per second): at 10k ticks/s of wall time the
    // market runs ~20× faster than real time, so a 60 s run closes ~20 windows per symbol.
    private const double TradesPerSecond = 40;

    // Generous against cross-topic fetch skew (30 s of simulated time ≈ 1.5 s of wall time at 20×), so few ticks are late.
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    public string Name => "e2e";

    public string Description => "whole pipeline in-process: ticks/s to PostgreSQL at max rate; window-close latency p50/p99 at a paced rate";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var ticks = IntArg(args, "--ticks", 300_000);
        var rate = IntArg(args, "--rate", 10_000);
        var seconds = IntArg(args, "--seconds", 60);
        var warmupSeconds = IntArg(args, "--warmup-seconds", 10);
        var commitMs = IntArg(args, "--commit-ms", 100);
        var fetchBytes = IntArg(args, "--partition-fetch-bytes", new TopologyOptions().MaxPartitionFetchBytes);
        // --no-provisional: only final candles on prices.1m (one per source, symbol and window instead of one per tick).
        var provisional = !args.Contains("--no-provisional");
        var only = StringArg(args, "--only");
        var server = StringArg(args, "--database") ?? PostgresServer.ConnectionString;
        Console.WriteLine($"e2e bench: topology CommitInterval {commitMs} ms, loader BatchLinger 20 ms / BatchSize 5000, producer linger 5 ms, "
            + $"grace {Grace.TotalSeconds:0} s, 1 partition per topic, in-memory stores, at-least-once, "
            + $"max.partition.fetch.bytes {fetchBytes:N0}, provisional candles {(provisional ? "on" : "off")}");

        if (only is null or "max")
        {
            await using var run = await PipelineUnderTest.StartAsync(server, commitMs, fetchBytes, provisional, cancellationToken);
            await MaxRateAsync(run, ticks, cancellationToken);
        }

        if (only is null or "paced")
        {
            await using var run = await PipelineUnderTest.StartAsync(server, commitMs, fetchBytes, provisional, cancellationToken);
            await PacedAsync(run, rate, seconds, warmupSeconds, cancellationToken);
        }

        return 0;
    }

    private static async Task MaxRateAsync(PipelineUnderTest run, int tickCount, CancellationToken cancellationToken)
    {
        var records = Market(TimeSpan.FromSeconds(tickCount / (TradesPerSecond * 12) + 1))
            .Select(Serialize).Where(r => r is not null).Select(r => r!.Value).ToList();
        var ticks = records.Count(r => r.IsTick);
        var lastClosed = LastClosedWindow(records[^1].Time);
        Console.WriteLine($"max rate: {ticks:N0} ticks (+{records.Count - ticks:N0} oracle rounds), simulated {SimulatedStart:HH:mm}–{records[^1].Time:HH:mm:ss}, "
            + $"last closed window {lastClosed:HH:mm}");

        using var outputs = new OutputWatcher(run.BootstrapServers);
        var clock = Stopwatch.StartNew();
        using (var producer = run.Producer())
        {
            foreach (var record in records)
            {
                Produce(producer, record);
            }

            producer.Flush(cancellationToken);
        }

        var produced = clock.Elapsed;
        var onTopic = await WaitAsync(() => outputs.FinalConsensusFor(lastClosed) > 0, TimeSpan.FromSeconds(90), cancellationToken);
        var topicAt = clock.Elapsed;
        var expected = await run.CountFinalConsensusAsync(lastClosed - Window, cancellationToken);
        var inDatabase = await WaitAsync(
            async () => expected > 0 && await run.CountFinalConsensusAsync(lastClosed, cancellationToken) >= expected, TimeSpan.FromSeconds(90), cancellationToken);
        var loadedAt = clock.Elapsed;
        var status = run.Topology;
        Console.WriteLine($"  produced + acked by broker: {produced.TotalSeconds,7:0.00} s  {ticks / produced.TotalSeconds,10:N0} ticks/s");
        Console.WriteLine($"  last window on consensus.1m:{topicAt.TotalSeconds,6:0.00} s  {ticks / topicAt.TotalSeconds,10:N0} ticks/s{(onTopic ? "" : "  (TIMED OUT)")}");
        Console.WriteLine($"  last window rows in PG:     {loadedAt.TotalSeconds,6:0.00} s  {ticks / loadedAt.TotalSeconds,10:N0} ticks/s end to end{(inDatabase ? "" : "  (TIMED OUT)")}");
        Console.WriteLine($"  topology: {status.WindowsClosed:N0} windows closed, {status.LateRecords:N0} late, {status.DeadLetters:N0} dead letters; "
            + $"loader: {run.Loader.RowsWritten:N0} rows in {run.Loader.Batches:N0} batches");
    }

    private static async Task PacedAsync(PipelineUnderTest run, int rate, int seconds, int warmupSeconds, CancellationToken cancellationToken)
    {
        Console.WriteLine($"paced: {rate:N0} ticks/s for {seconds} s, after {warmupSeconds} s of warm-up at the same rate");
        if (warmupSeconds > 0)
        {
            // A day before the measured market, so stream time only moves forward: the JIT's tiers, each output's
            // first produce and metadata, the loader's first batches all happen here, not in the measured windows.
            await PaceAsync(run, Market(duration: null, SimulatedStart.AddDays(-1)), rate, warmupSeconds, closedAt: null, cancellationToken);
        }

        using var outputs = new OutputWatcher(run.BootstrapServers);
        var closedAt = new ConcurrentDictionary<DateTimeOffset, long>();
        using var pollerStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var rowsSeen = new ConcurrentDictionary<(string Table, string Symbol, DateTimeOffset Bucket), long>();
        var poller = run.PollRowsAsync(rowsSeen, pollerStop.Token);

        var clock = Stopwatch.StartNew();
        var (produced, nextToClose) = await PaceAsync(run, Market(duration: null), rate, seconds, closedAt, cancellationToken);
        var elapsed = clock.Elapsed;
        var lastClosed = nextToClose - Window;
        await WaitAsync(() => outputs.FinalConsensusFor(lastClosed) > 0, TimeSpan.FromSeconds(30), cancellationToken);
        await WaitAsync(() => rowsSeen.Keys.Any(k => k.Table == "consensus" && k.Bucket == lastClosed), TimeSpan.FromSeconds(30), cancellationToken);
        await pollerStop.CancelAsync();
        await poller;

        Console.WriteLine($"  produced {produced:N0} ticks in {elapsed.TotalSeconds:0.0} s = {produced / elapsed.TotalSeconds:N0} ticks/s; "
            + $"{closedAt.Count} windows closed by stream time (last {lastClosed:HH:mm})");
        Report("consensus.1m record", outputs.Seen.Where(s => s.Key.Topic == Topics.Consensus1m).Select(s => (s.Key.WindowStart, s.Value)), closedAt);
        Report("deviation.1m record", outputs.Seen.Where(s => s.Key.Topic == Topics.Deviation1m).Select(s => (s.Key.WindowStart, s.Value)), closedAt);
        Report("consensus_1m row in PG", rowsSeen.Where(s => s.Key.Table == "consensus").Select(s => (s.Key.Bucket, s.Value)), closedAt);
        Report("oracle_deviation row in PG", rowsSeen.Where(s => s.Key.Table == "deviation").Select(s => (s.Key.Bucket, s.Value)), closedAt);
        Console.WriteLine($"  topology: {run.Topology.WindowsClosed:N0} windows closed, {run.Topology.LateRecords:N0} late; loader: {run.Loader.RowsWritten:N0} rows");
    }

    /// <summary>Produces the market at <paramref name="rate"/> ticks/s for <paramref name="seconds"/>; notes when each window's closing tick left.</summary>
    private static async Task<(long Produced, DateTimeOffset NextToClose)> PaceAsync(
        PipelineUnderTest run, IEnumerable<SimulatedRecord> market, int rate, int seconds, ConcurrentDictionary<DateTimeOffset, long>? closedAt, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        long produced = 0;
        var nextToClose = SimulatedStart;
        using var producer = run.Producer();
        using var records = market.GetEnumerator();
        while (Stopwatch.GetElapsedTime(start) < TimeSpan.FromSeconds(seconds) && records.MoveNext())
        {
            if (Serialize(records.Current) is not { } record)
            {
                continue;
            }

            Produce(producer, record);
            if (record.IsTick)
            {
                produced++;
            }

            // Stream time is the largest timestamp produced: this tick closes every window whose end + grace it passes.
            while (closedAt is not null && record.Time >= nextToClose + Window + Grace)
            {
                closedAt[nextToClose] = Stopwatch.GetTimestamp();
                nextToClose += Window;
            }

            // Pace: at most `rate` ticks per second of wall time so far.
            while (produced > rate * Stopwatch.GetElapsedTime(start).TotalSeconds)
            {
                await Task.Delay(1, cancellationToken);
            }
        }

        producer.Flush(cancellationToken);
        return (produced, nextToClose);
    }

    private static void Report(string what, IEnumerable<(DateTimeOffset Window, long SeenAt)> seen, ConcurrentDictionary<DateTimeOffset, long> closedAt)
    {
        var histogram = new LongHistogram(TimeStamp.Seconds(600), 3);
        var count = 0;
        var worst = (Window: default(DateTimeOffset), Latency: -1L);
        var cold = new List<long>();
        var firstWindow = closedAt.IsEmpty ? default : closedAt.Keys.Min();
        foreach (var (window, seenAt) in seen)
        {
            if (closedAt.TryGetValue(window, out var closed))
            {
                // Clamp: a record can show up before "its" closing tick when the topology closes on an earlier record.
                var latency = Math.Max(0, seenAt - closed);
                if (window == firstWindow)
                {
                    // The first window closes in a cold process (JIT, first produce of each output, first metadata
                    // lookups, the loader's first batch): reported on its own, not mixed into the steady state.
                    cold.Add(latency);
                    continue;
                }

                histogram.RecordValue(latency);
                count++;
                if (latency > worst.Latency)
                {
                    worst = (window, latency);
                }
            }
        }

        if (count == 0)
        {
            Console.WriteLine($"  {what,-28} no windows measured");
            return;
        }

        static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        Console.WriteLine($"  {what,-28} n={count,4}  p50 {Ms(histogram.GetValueAtPercentile(50)),8:0.0} ms  p99 {Ms(histogram.GetValueAtPercentile(99)),8:0.0} ms  "
            + $"max {Ms(histogram.GetMaxValue()),8:0.0} ms (worst window {worst.Window:HH:mm}); first window, cold: "
            + string.Join(", ", cold.Select(c => $"{Ms(c):0} ms")));
    }

    private static IEnumerable<SimulatedRecord> Market(TimeSpan? duration, DateTimeOffset? start = null) => SimulatedMarket.Generate(new SimulationOptions
    {
        Enabled = true,
        Seed = 11,
        TradesPerSecond = TradesPerSecond,
        QuoteInterval = TimeSpan.FromSeconds(10),
        OracleDeviationPercent = 0.05m,
        OracleHeartbeat = TimeSpan.FromSeconds(30),
        DisconnectsPerHour = 0,
        BadPayloadRate = 0,
    }, start ?? SimulatedStart, duration);

    /// <summary>The window the last record closes: the latest whose end + grace is not after it.</summary>
    private static DateTimeOffset LastClosedWindow(DateTimeOffset last)
    {
        var closing = last - Grace - Window;
        return SimulatedStart + Window * Math.Floor((closing - SimulatedStart) / Window);
    }

    private readonly record struct RawRecord(string Topic, string Key, DateTimeOffset Time, byte[] Value, bool IsTick);

    private static RawRecord? Serialize(SimulatedRecord record) => record switch
    {
        { Tick: { } t } => new RawRecord(Topics.Raw(t.Source), t.Asset, t.EventTime, RecordJson.Serialize(t), IsTick: true),
        { OracleRound: { } o } => new RawRecord(Topics.RawChainlink, o.Asset, o.UpdatedAt, RecordJson.Serialize(o), IsTick: false),
        _ => null,
    };

    private static void Produce(IProducer<string, byte[]> producer, RawRecord record)
    {
        var message = new Message<string, byte[]> { Key = record.Key, Value = record.Value, Timestamp = new Timestamp(record.Time) };
        while (true)
        {
            try
            {
                producer.Produce(record.Topic, message);
                return;
            }
            catch (ProduceException<string, byte[]> ex) when (ex.Error.Code == ErrorCode.Local_QueueFull)
            {
                producer.Poll(TimeSpan.FromMilliseconds(10));
            }
        }
    }

    private static Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken) =>
        WaitAsync(() => Task.FromResult(condition()), timeout, cancellationToken);

    private static async Task<bool> WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                return false;
            }

            await Task.Delay(5, cancellationToken);
        }

        return true;
    }

    private static int IntArg(string[] args, string name, int fallback) =>
        StringArg(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? StringArg(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    /// <summary>Consumes consensus.1m and deviation.1m from the start and notes when each final window record first arrives.</summary>
    private sealed class OutputWatcher : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Thread thread;
        private readonly string bootstrapServers;

        public OutputWatcher(string bootstrapServers)
        {
            this.bootstrapServers = bootstrapServers;
            thread = new Thread(Run) { IsBackground = true, Name = "e2e-output-watcher" };
            thread.Start();
        }

        public ConcurrentDictionary<(string Topic, string Symbol, DateTimeOffset WindowStart), long> Seen { get; } = new();

        public int FinalConsensusFor(DateTimeOffset window) => Seen.Keys.Count(k => k.Topic == Topics.Consensus1m && k.WindowStart == window);

        public void Dispose()
        {
            stop.Cancel();
            thread.Join();
            stop.Dispose();
        }

        private void Run()
        {
            using var consumer = new ConsumerBuilder<string?, byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = "e2e-bench-watcher-" + Guid.NewGuid().ToString("N")[..8],
                EnableAutoCommit = false,
                FetchWaitMaxMs = 5,
            }).SetKeyDeserializer(Deserializers.Utf8).Build();
            consumer.Assign([new TopicPartitionOffset(Topics.Consensus1m, 0, Offset.Beginning), new TopicPartitionOffset(Topics.Deviation1m, 0, Offset.Beginning)]);
            while (!stop.IsCancellationRequested)
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result?.Message?.Value is not { } value)
                {
                    continue;
                }

                var now = Stopwatch.GetTimestamp();
                if (result.Topic == Topics.Consensus1m)
                {
                    var consensus = RecordJson.Deserialize<Consensus>(value);
                    if (consensus.Final)
                    {
                        Seen.TryAdd((result.Topic, consensus.Symbol, consensus.WindowStart), now);
                    }
                }
                else
                {
                    var deviation = RecordJson.Deserialize<Deviation>(value);
                    Seen.TryAdd((result.Topic, deviation.Symbol, deviation.WindowStart), now);
                }
            }
        }
    }

    /// <summary>Embedded broker, topics, a fresh database, and one host running the topology and the loader.</summary>
    private sealed class PipelineUnderTest : IAsyncDisposable
    {
        private readonly EmbeddedBroker broker;
        private readonly IHost host;
        private readonly NpgsqlDataSource database;
        private readonly string server;
        private readonly string databaseName;
        private readonly string stateDir;

        private PipelineUnderTest(EmbeddedBroker broker, IHost host, NpgsqlDataSource database, string server, string databaseName, string stateDir)
        {
            this.broker = broker;
            this.host = host;
            this.database = database;
            this.server = server;
            this.databaseName = databaseName;
            this.stateDir = stateDir;
        }

        public string BootstrapServers => broker.BootstrapServers;

        public TopologyStatus Topology => host.Services.GetRequiredService<TopologyStatus>();

        public LoaderSnapshot Loader => host.Services.GetRequiredService<LoaderStatus>().Current;

        public static async Task<PipelineUnderTest> StartAsync(string server, int commitMs, int fetchBytes, bool provisional, CancellationToken cancellationToken)
        {
            var id = Guid.NewGuid().ToString("N")[..8];
            var databaseName = "bench_e2e_" + id;
            await using (var admin = NpgsqlDataSource.Create(server))
            {
                await using var create = admin.CreateCommand($"CREATE DATABASE {databaseName}");
                await create.ExecuteNonQueryAsync(cancellationToken);
            }

            var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = databaseName }.ConnectionString;
            var broker = await EmbeddedBroker.StartAsync(
                new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero, FsyncPolicy = FsyncPolicy.Never }, null, cancellationToken);
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
            {
                // One partition per topic: one stream task, so stream time is global and "the tick that closes a window" is well defined.
                await admin.CreateTopicsAsync(TopicCatalog.All(partitions: 1).Select(t => new TopicSpecification
                {
                    Name = t.Name,
                    NumPartitions = t.Partitions,
                    ReplicationFactor = 1,
                    Configs = new Dictionary<string, string>(t.Configs),
                }));
            }

            var stateDir = Path.Combine(Path.GetTempPath(), "cryptostreams-e2e-bench-" + id);
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Kafka:BootstrapServers"] = broker.BootstrapServers,
                ["Database:ConnectionString"] = connectionString,
                ["Topology:ApplicationId"] = "e2e-bench-" + id,
                ["Topology:StateDir"] = stateDir,
                ["Topology:CommitInterval"] = TimeSpan.FromMilliseconds(commitMs).ToString(),
                ["Topology:MaxPartitionFetchBytes"] = fetchBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Topology:EmitProvisionalCandles"] = provisional ? "true" : "false",
                ["Topology:Grace"] = Grace.ToString(),
                ["Loader:GroupId"] = "e2e-bench-loader-" + id,
                ["Loader:BatchLinger"] = "00:00:00.020",
            });
            builder.Services.AddLogging();
            builder.Services.AddLoader(builder.Configuration);
            builder.Services.AddCryptoTopology(builder.Configuration);
            var host = builder.Build();
            await host.StartAsync(cancellationToken);
            var run = new PipelineUnderTest(broker, host, NpgsqlDataSource.Create(connectionString), server, databaseName, stateDir);
            if (!await WaitAsync(() => run.Topology.State == "RUNNING", TimeSpan.FromSeconds(60), cancellationToken))
            {
                Console.WriteLine($"  warning: topology state {run.Topology.State} after 60 s");
            }

            return run;
        }

        public IProducer<string, byte[]> Producer() => new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            LingerMs = 5,
            Acks = Acks.Leader,
            QueueBufferingMaxMessages = 200_000,
            Partitioner = Confluent.Kafka.Partitioner.Murmur2Random,
        }).SetKeySerializer(Serializers.Utf8).SetValueSerializer(Serializers.ByteArray).Build();

        public async Task<long> CountFinalConsensusAsync(DateTimeOffset bucket, CancellationToken cancellationToken)
        {
            try
            {
                await using var command = database.CreateCommand("SELECT count(*) FROM market.consensus_1m WHERE final AND bucket = $1");
                command.Parameters.AddWithValue(bucket.UtcDateTime);
                return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
            {
                return 0;
            }
        }

        /// <summary>Polls both tables every 10 ms and notes when each (symbol, bucket) row first appears.</summary>
        public async Task PollRowsAsync(ConcurrentDictionary<(string Table, string Symbol, DateTimeOffset Bucket), long> seen, CancellationToken cancellationToken)
        {
            var since = DateTime.MinValue;
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await using var command = database.CreateCommand(
                        "SELECT 'consensus', symbol, bucket FROM market.consensus_1m WHERE final AND bucket >= $1 "
                        + "UNION ALL SELECT 'deviation', symbol, bucket FROM market.oracle_deviation WHERE bucket >= $1");
                    command.Parameters.AddWithValue(DateTime.SpecifyKind(since, DateTimeKind.Utc));
                    await using var reader = await command.ExecuteReaderAsync(cancellationToken);
                    var now = Stopwatch.GetTimestamp();
                    var latest = since;
                    while (await reader.ReadAsync(cancellationToken))
                    {
                        var bucket = reader.GetDateTime(2);
                        seen.TryAdd((reader.GetString(0), reader.GetString(1), new DateTimeOffset(DateTime.SpecifyKind(bucket, DateTimeKind.Utc))), now);
                        latest = bucket > latest ? bucket : latest;
                    }

                    // Re-read the last two buckets only: rows of older windows are already noted.
                    since = latest > since.AddMinutes(2) ? latest.AddMinutes(-2) : since;
                    await Task.Delay(10, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
                {
                    await Task.Delay(100, CancellationToken.None);
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                try
                {
                    await host.StopAsync(timeout.Token);
                }
                catch (AggregateException ex) when (ex.Flatten().InnerExceptions.All(e => e is ObjectDisposedException))
                {
                    // Streamiz's shutdown hook cancels a token source the topology service has already disposed; the
                    // measurement is done, so say so and still drop the database.
                    Console.WriteLine($"  note: topology stop threw {ex.Flatten().InnerExceptions[0].Message}");
                }
            }

            host.Dispose();
            await database.DisposeAsync();
            await broker.DisposeAsync();
            NpgsqlConnection.ClearAllPools();
            await using (var admin = NpgsqlDataSource.Create(server))
            {
                await using var drop = admin.CreateCommand($"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)");
                await drop.ExecuteNonQueryAsync();
            }

            if (Directory.Exists(stateDir))
            {
                Directory.Delete(stateDir, recursive: true);
            }
        }
    }
}
