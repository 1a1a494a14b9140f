using System.Diagnostics;
using System.Globalization;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Bench;

/// <summary>
/// The full CryptoStreams topology against a stateless Filter + MapValues Streamiz topology over the same
/// generated market (<see cref="TopologyMarket"/>) in the same run; prints both rates and the ratio. Two modes:
/// <list type="bullet">
/// <item>driver (default): through Streamiz's TopologyTestDriver, in-process, no Kafka.
/// <c>topology [--ticks 1000000] [--assets 50] [--stores memory|rocksdb]</c> (or positional <c>topology TICKS ASSETS</c>).</item>
/// <item><c>--broker</c>, the catch-up benchmark: the input pre-loaded into the embedded broker as a backlog, the full
/// topology hosted as <c>cryptostreams process</c> hosts it (product defaults, the input-lag source included) and the
/// stateless one as a KafkaStream with the same settings, each until its consumer group has committed every input
/// offset (<see cref="TopologyBrokerRun"/>).
/// <c>topology --broker [--ticks 1000000] [--assets 50] [--partitions 4] [--stores memory|rocksdb] [--preload-batch N]</c>;
/// these flags override the product's defaults: <c>[--threads N] [--commit-ms MS] [--poll-ms MS] [--max-poll N]
/// [--task-idle-ms MS] [--linger-ms MS] [--partition-fetch-bytes B] [--input-check-ms MS]</c>.</item>
/// </list>
/// </summary>
public sealed class TopologyHarness : IHarness
{
    private const int Chunk = 1000;

    public string Name => "topology";

    public string Description => "full topology vs stateless Filter+MapValues: TopologyTestDriver, or --broker for KafkaStream on the embedded broker";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var arguments = new TopologyBenchArguments(args);
        var broker = arguments.Flag("--broker");
        var ticks = arguments.Int("--ticks", positional: 0, 1_000_000);
        var assets = arguments.Int("--assets", positional: 1, 50);
        var stores = arguments.Text("--stores", "memory") == "rocksdb" ? StateStoreKind.RocksDb : StateStoreKind.InMemory;
        Console.WriteLine($"load average at start: {TopologyBenchArguments.LoadAverage()}");
        Console.WriteLine($"generating {ticks:N0} ticks over {assets} assets from 6 sources, plus oracle rounds ...");
        var market = TopologyMarket.Create(ticks, assets, seed: 42);
        Console.WriteLine($"{market.Records.Count:N0} raw records ({market.OracleRounds:N0} oracle rounds), event time span {market.Span}");

        double stateless, full;
        if (broker)
        {
            var run = new TopologyBrokerRun(arguments, stores);
            (stateless, full) = await run.RunAsync(market, cancellationToken);
        }
        else
        {
            stateless = RunStateless(market, cancellationToken);
            full = RunFull(market, stores, cancellationToken);
        }

        Console.WriteLine();
        Console.WriteLine($"ratio full / stateless = {full / stateless:0.00}{(broker ? " (target ≥ 0.80)" : "")}   (load average at end: {TopologyBenchArguments.LoadAverage()})");
        return 0;
    }

    /// <summary>
    /// The comparison topology: per raw tick topic, deserialize the tick with the same System.Text.Json serdes,
    /// <c>Filter</c> + <c>MapValues</c>, count, and write it back out serialized.
    /// </summary>
    internal static void BuildStateless(StreamBuilder builder, string outputTopic, Action counted)
    {
        var ticks = new RecordSerDes<Tick>();
        foreach (var topic in Topics.RawTicks)
        {
            builder.Stream(topic, new StringSerDes(), ticks, $"read-{topic}")
                .Filter((_, t, _) => t.Price > 0, $"filter-{topic}")
                .MapValues((t, _) => t with { Symbol = t.Symbol }, $"map-{topic}")
                .Peek((_, _, _) => counted(), $"count-{topic}")
                .ToTopic(outputTopic, new StringSerDes(), ticks, $"write-{topic}");
        }
    }

    private static double RunFull(TopologyMarket market, StateStoreKind stores, CancellationToken cancellationToken)
    {
        var runtime = new TopologyRuntime();
        var builder = new StreamBuilder();
        CryptoTopology.Build(builder, new TopologyOptions { StateStore = stores }, runtime);
        var stateDir = Directory.CreateTempSubdirectory("bench-topology-driver-").FullName;
        try
        {
            var config = Config("bench-full");
            config.StateDir = stateDir;
            using var driver = new TopologyTestDriver(builder.Build(), config);
            var inputs = CryptoTopology.InputTopics.ToDictionary(t => t, t => driver.CreateInputTopic(t, new StringSerDes(), new ByteArraySerDes()));
            var rate = Pipe($"full topology ({stores} stores)", market.Records, (topic, key, payload, ts) => inputs[topic].PipeInput(key, payload, ts), cancellationToken);
            var s = runtime.Status;
            Console.WriteLine($"  outputs: {s.Candles:N0} candles, {s.Consensus:N0} consensus, {s.Deviations:N0} deviations, {s.Signals:N0} signals, {s.DeadLetters:N0} dead letters ({s.LateRecords:N0} late), {s.WindowsClosed:N0} windows closed");
            return rate;
        }
        finally
        {
            Directory.Delete(stateDir, recursive: true);
        }
    }

    private static double RunStateless(TopologyMarket market, CancellationToken cancellationToken)
    {
        long written = 0;
        var builder = new StreamBuilder();
        BuildStateless(builder, "bench.stateless", () => written++);
        using var driver = new TopologyTestDriver(builder.Build(), Config("bench-stateless"));
        var inputs = Topics.RawTicks.ToDictionary(t => t, t => driver.CreateInputTopic(t, new StringSerDes(), new ByteArraySerDes()));
        var rate = Pipe("stateless Filter+MapValues (ticks only)", [.. market.TickRecords],
            (topic, key, payload, ts) => inputs[topic].PipeInput(key, payload, ts), cancellationToken);
        Console.WriteLine($"  outputs: {written:N0}");
        return rate;
    }

    private static double Pipe(string what, List<TopologyRawRecord> records, Action<string, string, byte[], DateTime> pipe, CancellationToken cancellationToken)
    {
        var perRecordMicros = new List<double>();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        var chunk = new Stopwatch();
        for (var i = 0; i < records.Count; i += Chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(i + Chunk, records.Count);
            chunk.Restart();
            for (var j = i; j < end; j++)
            {
                var r = records[j];
                pipe(r.Topic, r.Key, r.Payload, r.Timestamp);
            }

            perRecordMicros.Add(chunk.Elapsed.TotalMicroseconds / (end - i));
        }

        total.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        perRecordMicros.Sort();
        var rate = records.Count / total.Elapsed.TotalSeconds;

        // CPU time per record is the steadier number on a shared machine: it does not count time spent waiting for a core.
        Console.WriteLine($"{what}: {records.Count:N0} records in {total.Elapsed.TotalSeconds:0.0} s = {rate:N0} rec/s; "
            + $"per record over {Chunk}-record chunks p50 {Percentile(perRecordMicros, 0.50):0.0} µs, p99 {Percentile(perRecordMicros, 0.99):0.0} µs; "
            + $"process CPU {cpu.TotalMicroseconds / records.Count:0.0} µs per record");
        return rate;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

    private static StreamConfig<StringSerDes, StringSerDes> Config(string id) => new()
    {
        ApplicationId = id,
        Logger = NullLoggerFactory.Instance,
    };
}

/// <summary>The topology bench's command line: <c>--name value</c> options, flags, and the old positional numbers.</summary>
internal sealed class TopologyBenchArguments(string[] args)
{
    public bool Flag(string name) => args.Contains(name, StringComparer.Ordinal);

    public string Text(string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }

    public int Int(string name, int fallback) => int.Parse(Text(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

    /// <summary>An option, or else the positional number at <paramref name="positional"/> when the arguments start with numbers.</summary>
    public int Int(string name, int positional, int fallback) =>
        Array.IndexOf(args, name) < 0 && positional < args.Length && args.Take(positional + 1).All(a => int.TryParse(a, CultureInfo.InvariantCulture, out _))
            ? int.Parse(args[positional], CultureInfo.InvariantCulture)
            : Int(name, fallback);

    /// <summary>The 1/5/15-minute load averages, so every printed rate says how busy the machine was.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
}
