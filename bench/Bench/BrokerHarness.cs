using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.TestSupport.Kafka;
using HdrHistogram;

namespace CryptoStreams.Bench;

/// <summary>
/// Embedded broker vs librdkafka's mock cluster, same run, same client settings: one producer, 100-byte records,
/// acks=all, 16 partitions. Produce rate, consume rate, and produce latency paced at a fixed rate (measured from each
/// record's scheduled send time, so a stall is not hidden by the sender slowing down).
/// </summary>
public sealed class BrokerHarness : IHarness
{
    private const int Partitions = 16;
    private const int RecordBytes = 100;

    public string Name => "broker";

    public string Description => "embedded broker vs librdkafka mock: produce/consume rec/s, p50/p99 produce latency at a paced rate";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var records = IntArg(args, "--records", 1_000_000);
        var rate = IntArg(args, "--rate", 10_000);
        var latencySeconds = IntArg(args, "--latency-seconds", 10);
        // Paced records sent before the measured ones and not counted: connection set-up and the first calls of each
        // code path (JIT) would otherwise be a stall that the measured seconds' p99 inherits.
        var warmupSeconds = IntArg(args, "--warmup-seconds", 2);
        var latencyTrace = args.Contains("--latency-trace");
        var only = StringArg(args, "--only");
        // More than one pass over the same topic: the later passes are what a profiler attached to the broker sees alone.
        var consumePasses = IntArg(args, "--consume-passes", 1);
        // librdkafka consumer properties for the consume phase (repeatable `--consumer key=value`), e.g. fetch.queue.backoff.ms.
        var consumerSettings = args.Select((a, i) => (a, i)).Where(x => x.a == "--consumer" && x.i + 1 < args.Length)
            .Select(x => args[x.i + 1].Split('=', 2)).Select(kv => (kv[0], kv[1])).ToList();
        var fsync = Enum.Parse<FsyncPolicy>(StringArg(args, "--fsync") ?? nameof(FsyncPolicy.Interval), ignoreCase: true);
        Console.WriteLine($"broker bench: {records:N0} records of {RecordBytes} B, acks=all, {Partitions} partitions; latency at {rate:N0} msg/s for {latencySeconds} s after {warmupSeconds} s of warm-up");

        var results = new List<(string Endpoint, Result Result)>();
        var pacing = new Pacing(rate, latencySeconds, warmupSeconds, latencyTrace);
        var external = StringArg(args, "--bootstrap");
        if (external is not null)
        {
            // A broker started by hand (e.g. `cryptostreams broker --port 9092 --fsync Always`).
            results.Add(($"broker at {external}", await MeasureAsync(external, CreateViaAdminAsync, records, pacing, consumePasses, consumerSettings, cancellationToken)));
        }
        else
        {
            if (only is null or "process")
            {
                // The broker as `cryptostreams broker` runs it: its own process, so it shares the cores with the clients
                // but not their garbage collector. The producer keeps up to a million records in flight, each pinned
                // by a GC handle to its delivery callback, and every collection of the bench process scans them and
                // stops its managed threads: an in-process broker stops with them (0.7 s of pauses per run here),
                // while the mock's native threads do not.
                await using var process = await BrokerProcess.StartAsync(fsync, cancellationToken);
                var result = await MeasureAsync(process.BootstrapServers, CreateViaAdminAsync, records, pacing, consumePasses, consumerSettings, cancellationToken,
                    brokerCpuSeconds: () => process.CpuSeconds);
                results.Add(($"embedded broker, own process (fsync {fsync})", result));
            }

            if (only is null or "embedded")
            {
                var options = new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero, FsyncPolicy = fsync };
                await using var broker = await EmbeddedBroker.StartAsync(options, loggerFactory: null, cancellationToken);
                results.Add(($"embedded broker, in the bench process (fsync {options.FsyncPolicy})", await MeasureAsync(broker.BootstrapServers, CreateViaAdminAsync, records, pacing, consumePasses, consumerSettings, cancellationToken)));
            }
        }

        if (external is null && only is null or "mock")
        {
            using var mock = LibrdkafkaMockCluster.Start();
            results.Add(("librdkafka mock cluster (in the bench process)", await MeasureAsync(mock.BootstrapServers, (_, topic) => { mock.CreateTopic(topic, Partitions); return Task.CompletedTask; }, records, pacing, consumePasses, consumerSettings, cancellationToken)));
        }

        Console.WriteLine();
        Console.WriteLine($"| endpoint | produce rec/s | consume rec/s (records read) | consume rec/s, {QueueBackoffSetting}={QueueBackoffMs} (from the first record) | p50 ms | p99 ms | max ms |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (endpoint, r) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {endpoint} | {r.ProduceRate:N0} | {r.ConsumeRate:N0} ({r.RecordsRead:N0}) | {r.ConsumeShortBackoffRate:N0} ({r.ConsumeShortBackoffSteadyRate:N0}) | {r.P50Ms:0.00} | {r.P99Ms:0.00} | {r.MaxMs:0.00} |"));
        }

        return 0;
    }

    // librdkafka stops fetching a partition for fetch.queue.backoff.ms (default 1000) whenever its consumer queue holds
    // queued.min.messages (default 100,000, counted over all partitions forwarded to one consumer queue). A 16-partition
    // fetch of 1 MiB each is ~150k records of 100 B, so with the defaults a reader faster than ~150k rec/s idles most of
    // every second, against any broker. The second consume pass shortens that back-off, so it measures what the broker
    // serves rather than the client's idle time.
    private const string QueueBackoffSetting = "fetch.queue.backoff.ms";
    private const string QueueBackoffMs = "10";

    private sealed record Result(
        double ProduceRate, double ConsumeRate, int RecordsRead, double ConsumeShortBackoffRate, double ConsumeShortBackoffSteadyRate, double P50Ms, double P99Ms, double MaxMs);

    private static async Task<Result> MeasureAsync(string bootstrapServers, Func<string, string, Task> createTopic, int records, Pacing pacing, int consumePasses,
        IReadOnlyList<(string Key, string Value)> consumerSettings, CancellationToken cancellationToken, Func<double>? brokerCpuSeconds = null)
    {
        // Fresh names, so a long-running external broker can be measured more than once.
        var run = Guid.NewGuid().ToString("N")[..8];
        var throughputTopic = "bench-throughput-" + run;
        var latencyTopic = "bench-latency-" + run;
        var warmupTopic = "bench-warmup-" + run;
        await createTopic(bootstrapServers, throughputTopic);
        await createTopic(bootstrapServers, latencyTopic);
        double produceRate = 0, consumeRate = 0, shortBackoffRate = 0, shortBackoffSteadyRate = 0;
        var read = 0;
        if (records > 0)
        {
            // One unmeasured produce and consume of a tenth as many records first: a fresh broker process otherwise
            // spends the first seconds of the measured phase JIT-compiling (a third of its CPU in a profile), which
            // the mock, native code, never does.
            await createTopic(bootstrapServers, warmupTopic);
            await Task.Run(() => ProduceAll(bootstrapServers, warmupTopic, Math.Max(1, records / 10)), cancellationToken);
            await Task.Run(() => ConsumeAll(bootstrapServers, warmupTopic, [(QueueBackoffSetting, QueueBackoffMs)], cancellationToken), cancellationToken);

            var cpuBefore = brokerCpuSeconds?.Invoke();
            produceRate = await Task.Run(() => ProduceAll(bootstrapServers, throughputTopic, records), cancellationToken);
            if (brokerCpuSeconds is not null)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  broker process CPU while producing: {brokerCpuSeconds() - cpuBefore:0.00} s"));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bootstrapServers}: produce {produceRate:N0} rec/s"));
            for (var pass = 0; pass < Math.Max(1, consumePasses); pass++)
            {
                (consumeRate, read, _) = await Task.Run(() => ConsumeAll(bootstrapServers, throughputTopic, consumerSettings, cancellationToken), cancellationToken);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bootstrapServers}: consume {consumeRate:N0} rec/s ({read:N0} of {records:N0} records still stored)"));
            }

            List<(string Key, string Value)> shortBackoff = [.. consumerSettings, (QueueBackoffSetting, QueueBackoffMs)];
            (shortBackoffRate, _, shortBackoffSteadyRate) = await Task.Run(() => ConsumeAll(bootstrapServers, throughputTopic, shortBackoff, cancellationToken), cancellationToken);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {bootstrapServers}: consume {shortBackoffRate:N0} rec/s with {QueueBackoffSetting}={QueueBackoffMs} ({shortBackoffSteadyRate:N0} from the first record on)"));
        }

        var stealBefore = CpuSteal.Read();
        var latency = await Task.Run(() => PacedLatency(bootstrapServers, latencyTopic, pacing, cancellationToken), cancellationToken);
        if (CpuSteal.Percent(stealBefore, CpuSteal.Read()) is { } steal)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bootstrapServers}: CPU time stolen by the hypervisor during the paced phase: {steal:0.0} %"));
        }

        double Ms(Func<double> microseconds) => latency.TotalCount == 0 ? 0 : microseconds() / 1000.0;
        return new Result(produceRate, consumeRate, read, shortBackoffRate, shortBackoffSteadyRate, Ms(() => latency.GetValueAtPercentile(50)), Ms(() => latency.GetValueAtPercentile(99)), Ms(() => latency.GetMaxValue()));
    }

    private static async Task CreateViaAdminAsync(string bootstrapServers, string topic)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
    }

    private static ProducerConfig ProducerConfig(string bootstrapServers, int lingerMs) => new()
    {
        BootstrapServers = bootstrapServers,
        Acks = Acks.All,
        EnableIdempotence = false,
        LingerMs = lingerMs,
        QueueBufferingMaxMessages = 1_000_000,
    };

    private static double ProduceAll(string bootstrapServers, string topic, int records)
    {
        var value = new byte[RecordBytes];
        Random.Shared.NextBytes(value);
        long failed = 0;
        using var producer = new ProducerBuilder<Null, byte[]>(ProducerConfig(bootstrapServers, lingerMs: 5)).Build();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < records; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(new TopicPartition(topic, i % Partitions), new Message<Null, byte[]> { Value = value }, r =>
                    {
                        if (r.Error.IsError)
                        {
                            Interlocked.Increment(ref failed);
                        }
                    });
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(1));
                }
            }
        }

        producer.Flush();
        var elapsed = clock.Elapsed;
        return failed > 0 ? throw new InvalidOperationException($"{failed} records failed") : records / elapsed.TotalSeconds;
    }

    /// <summary>
    /// Reads every partition to its end. The count can be below what was produced: the mock silently drops the
    /// oldest records beyond ~5 MiB or 100k records per partition, so the rate is computed from what was read.
    /// </summary>
    private static (double Rate, int Read, double SteadyRate) ConsumeAll(string bootstrapServers, string topic, IReadOnlyList<(string Key, string Value)> consumerSettings,
        CancellationToken cancellationToken)
    {
        var config = new ConsumerConfig
        {
            BootstrapServers = bootstrapServers,
            GroupId = "bench-" + Guid.NewGuid().ToString("N"),
            EnableAutoCommit = false,
            EnablePartitionEof = true,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // Only partition, offset and value are looked at: skip marshalling topic names, timestamps and headers per
            // record, so the client's per-record .NET work limits the measured rate less.
            ConsumeResultFields = "none",
        };
        foreach (var (key, value) in consumerSettings)
        {
            config.Set(key, value);
        }

        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
        consumer.Assign(Enumerable.Range(0, Partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var clock = Stopwatch.StartNew();
        var seen = 0;
        TimeSpan? first = null;
        var atEnd = new HashSet<int>();
        while (atEnd.Count < Partitions && !cancellationToken.IsCancellationRequested)
        {
            switch (consumer.Consume(TimeSpan.FromSeconds(1)))
            {
                case { IsPartitionEOF: true } eof:
                    atEnd.Add(eof.Partition.Value);
                    break;
                case { } record:
                    first ??= clock.Elapsed;
                    atEnd.Remove(record.Partition.Value);
                    seen++;
                    break;
            }
        }

        // The steady rate leaves out connecting and looking up the start offsets, as kafka-consumer-perf-test's
        // fetch.nMsg.sec leaves out its rebalance time; with a million records that start-up is a tenth of the run.
        var elapsed = clock.Elapsed;
        var steady = first is { } f && seen > 1 ? (seen - 1) / (elapsed - f).TotalSeconds : 0;
        return (seen / elapsed.TotalSeconds, seen, steady);
    }

    /// <summary>The paced latency phase: <paramref name="Rate"/> msg/s, measured for <paramref name="Seconds"/> after <paramref name="WarmupSeconds"/> uncounted.</summary>
    private sealed record Pacing(int Rate, int Seconds, int WarmupSeconds, bool Trace);

    private static LongHistogram PacedLatency(string bootstrapServers, string topic, Pacing pacing, CancellationToken cancellationToken)
    {
        // Microseconds, up to one minute.
        var histogram = new LongHistogram(60_000_000, 3);
        var value = new byte[RecordBytes];
        using var producer = new ProducerBuilder<Null, byte[]>(ProducerConfig(bootstrapServers, lingerMs: 0)).Build();
        var rate = pacing.Rate;
        var warmup = rate * pacing.WarmupSeconds;
        var total = warmup + (rate * pacing.Seconds);
        // With --latency-trace: the worst latency of each 100 ms of scheduled send time, to see whether the tail is
        // spread out or a few stalls.
        var worstPerTenth = new long[(total / Math.Max(1, rate / 10)) + 1];
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = i * Stopwatch.Frequency / rate;
            var index = i;
            while (clock.ElapsedTicks < due)
            {
                PauseBriefly();
            }

            producer.Produce(new TopicPartition(topic, i % Partitions), new Message<Null, byte[]> { Value = value }, r =>
            {
                if (!r.Error.IsError && index >= warmup)
                {
                    var micros = Math.Max(0, (clock.ElapsedTicks - due) * 1_000_000 / Stopwatch.Frequency);
                    lock (histogram)
                    {
                        histogram.RecordValue(micros);
                        ref var worst = ref worstPerTenth[index / Math.Max(1, rate / 10)];
                        worst = Math.Max(worst, micros);
                    }
                }
            });
        }

        producer.Flush(cancellationToken);
        if (pacing.Trace)
        {
            Console.WriteLine("  worst produce latency per 100 ms (ms): " + string.Join(' ', worstPerTenth.Skip(pacing.WarmupSeconds * 10).Select(w => (w / 1000.0).ToString("0.0", CultureInfo.InvariantCulture))));
        }

        return histogram;
    }

    /// <summary>
    /// Waits ~50–100 µs without holding a core. The sender used to spin on <c>Thread.Sleep(0)</c> (sched_yield): on 2
    /// cores that is a thread always runnable, and every other thread that spin-waits by yielding (.NET's thread pool,
    /// SemaphoreSlim) then lost a whole scheduler slice to it, 4–9 ms per yield in a <c>perf trace</c> — the sender
    /// itself made the latency it measured.
    /// </summary>
    private static void PauseBriefly()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = usleep(50);
        }
        else
        {
            Thread.Sleep(0);
        }
    }

    [DllImport("libc", SetLastError = false)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int usleep(uint microseconds);

    private static int IntArg(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private static string? StringArg(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
