using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using CryptoStreams.Broker;
using CryptoStreams.TestSupport.Kafka;

namespace CryptoStreams.Bench;

/// <summary>
/// How fast the embedded broker is ready for a test, in process, and what it costs in memory: the time from
/// <see cref="EmbeddedBroker.StartAsync"/> to an accepted TCP connection, cold (first start in the process, JIT
/// included) and warm, beside librdkafka's mock cluster started the same way in the same loop.
/// </summary>
internal sealed class BrokerStartHarness : IHarness
{
    public string Name => "broker-start";

    public string Description => "embedded broker start-up to a ready listener (cold, warm) and memory, vs librdkafka's mock cluster";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 30;
        var workingSetBefore = Environment.WorkingSet;
        var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

        var (cold, first) = await StartEmbeddedAsync(cancellationToken);
        var heapOne = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetOne = Environment.WorkingSet;
        await first.DisposeAsync();

        var embedded = new List<double>();
        var mock = new List<double>();
        for (var i = 0; i < rounds; i++)
        {
            var (elapsed, broker) = await StartEmbeddedAsync(cancellationToken);
            await broker.DisposeAsync();
            embedded.Add(elapsed);

            var watch = Stopwatch.StartNew();
            using var cluster = LibrdkafkaMockCluster.Start();
            await ConnectAsync(cluster.BootstrapServers, cancellationToken);
            mock.Add(watch.Elapsed.TotalMilliseconds);
        }

        // Ten at once, as ten test classes with their own fixture would run them, each with a 6-partition topic.
        var heapTenBefore = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetTenBefore = Environment.WorkingSet;
        var ten = new List<EmbeddedBroker>();
        for (var i = 0; i < 10; i++)
        {
            var broker = (await StartEmbeddedAsync(cancellationToken)).Broker;
            broker.CreateTopic("bench", partitions: 6);
            ten.Add(broker);
        }

        var heapTen = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetTen = Environment.WorkingSet;
        foreach (var broker in ten)
        {
            await broker.DisposeAsync();
        }

        Console.WriteLine($"rounds: {rounds}, processors: {Environment.ProcessorCount}");
        Console.WriteLine("| start-up to an accepted connection | p50 ms | p90 ms | max ms |");
        Console.WriteLine("|---|---|---|---|");
        Console.WriteLine($"| embedded broker, first in the process (JIT) | {cold:F1} | | |");
        Console.WriteLine($"| embedded broker, warm | {Percentile(embedded, 0.5):F1} | {Percentile(embedded, 0.9):F1} | {embedded.Max():F1} |");
        Console.WriteLine($"| librdkafka mock cluster | {Percentile(mock, 0.5):F1} | {Percentile(mock, 0.9):F1} | {mock.Max():F1} |");
        Console.WriteLine();
        Console.WriteLine("| memory | managed heap | working set |");
        Console.WriteLine("|---|---|---|");
        Console.WriteLine($"| first broker (with the code it loads) | {Mib(heapOne - heapBefore)} | {Mib(workingSetOne - workingSetBefore)} |");
        Console.WriteLine($"| each of ten running at once, a 6-partition topic each | {Mib((heapTen - heapTenBefore) / 10)} | {Mib((workingSetTen - workingSetTenBefore) / 10)} |");
        return 0;
    }

    private static async Task<(double Milliseconds, EmbeddedBroker Broker)> StartEmbeddedAsync(CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        var broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero, FsyncPolicy = FsyncPolicy.Never }, cancellationToken: cancellationToken);
        await ConnectAsync(broker.BootstrapServers, cancellationToken);
        return (watch.Elapsed.TotalMilliseconds, broker);
    }

    private static async Task ConnectAsync(string bootstrapServers, CancellationToken cancellationToken)
    {
        var first = bootstrapServers.Split(',')[0];
        var separator = first.LastIndexOf(':');
        using var client = new TcpClient();
        await client.ConnectAsync(first[..separator], int.Parse(first[(separator + 1)..], CultureInfo.InvariantCulture), cancellationToken);
    }

    private static double Percentile(List<double> values, double quantile)
    {
        var sorted = values.Order().ToList();
        return sorted[(int)Math.Min(sorted.Count - 1, Math.Ceiling(quantile * sorted.Count) - 1)];
    }

    private static string Mib(long bytes) => bytes < 1024 * 1024
        ? (bytes / 1024.0).ToString("F0", CultureInfo.InvariantCulture) + " KiB"
        : (bytes / 1024.0 / 1024.0).ToString("F1", CultureInfo.InvariantCulture) + " MiB";
}
