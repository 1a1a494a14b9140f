using System.Diagnostics;
using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Archive;
using CryptoStreams.Archive.Parquet;
using CryptoStreams.Broker;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Bench;

/// <summary>
/// Archive throughput on a pre-loaded backlog: N ticks (default 1M) produced onto the raw tick topics of a
/// <c>cryptostreams broker</c> process, then (a) a plain consumer with the stages' shared consumer settings reading the
/// backlog to its end (what the Kafka read alone costs, the comparison), and (b) the archive — its real registration,
/// default file and row-group sizes, a local folder — from start until a clean stop has published every row.
/// Prints rows/s, Parquet MB/s written and Kafka payload MB/s read for both.
/// <c>dotnet run -c Release --project bench/Bench -- archive [--rows N] [--partitions P]</c>
/// </summary>
public sealed class ArchiveHarness : IHarness
{
    private static readonly string[] Symbols = ["BTC-USDT", "ETH-USDT", "LINK-USDT"];
    private static readonly string[] Venues = [Sources.Binance, Sources.KuCoin, Sources.Okx, Sources.Coinbase];

    public string Name => "archive";

    public string Description => "rows/s and MB/s of the raw archive (Parquet files) on a pre-loaded backlog vs a plain consumer reading it";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = IntArg(args, "--rows", 1_000_000);
        var partitions = IntArg(args, "--partitions", 3);
        await using var broker = await BrokerProcess.StartAsync(FsyncPolicy.Never, cancellationToken);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync(ArchiveTables.Topics.Append(Topics.DlqArchive)
                .Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = 1 }));
        }

        var payload = await PreloadAsync(broker.BootstrapServers, rows, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"archive bench: {rows:N0} ticks on {Venues.Length} raw topics x {partitions} partitions, {payload / 1e6:F1} MB of JSON payload, broker {broker.BootstrapServers}"));

        var (plainSeconds, plainCpu) = ReadPlain(broker.BootstrapServers, rows, cancellationToken);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"plain consumer (stage settings, no decoding): {rows / plainSeconds:N0} rows/s, {payload / 1e6 / plainSeconds:F1} MB/s of payload ({plainSeconds:F2} s, client CPU {plainCpu:F2} s)"));

        var folder = Path.Combine(Path.GetTempPath(), "cryptostreams-bench-archive-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (archiveSeconds, archiveCpu, snapshot) = await RunArchiveAsync(broker.BootstrapServers, folder, rows, cancellationToken);
            if (snapshot.Rows != rows)
            {
                Console.Error.WriteLine($"archive bench: expected {rows} rows in the published files, the archive reports {snapshot.Rows}");
                return 1;
            }

            var onDisk = Directory.EnumerateFiles(folder, "*.parquet", SearchOption.AllDirectories).Sum(f => new FileInfo(f).Length);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"archive (decode JSON, Parquet row groups, fsync, rename): {rows / archiveSeconds:N0} rows/s, {onDisk / 1e6 / archiveSeconds:F1} MB/s of Parquet written, {payload / 1e6 / archiveSeconds:F1} MB/s of payload read ({archiveSeconds:F2} s, client CPU {archiveCpu:F2} s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"files: {snapshot.Files} published, {onDisk / 1e6:F1} MB of Parquet ({(double)onDisk / payload:P0} of the JSON payload), {(double)onDisk / rows:F1} bytes/row"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio archive / plain consumer: {plainSeconds / archiveSeconds:F2}"));
            return 0;
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    private static async Task<long> PreloadAsync(string bootstrap, int rows, CancellationToken cancellationToken)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig
        {
            BootstrapServers = bootstrap,
            LingerMs = 20,
            BatchSize = 1 << 20,
            CompressionType = CompressionType.Lz4,
        }).Build();
        var origin = new DateTimeOffset(2026, 11, 30, 22, 0, 0, TimeSpan.Zero);
        var random = new Random(42);
        long bytes = 0;
        var delivered = new List<Task>();
        for (var i = 0; i < rows; i++)
        {
            // About 140 ticks a second over the market: 1M ticks span two hours, so files roll by hour as well.
            var time = origin.AddTicks(i * 70_000L);
            var venue = Venues[i % Venues.Length];
            var symbol = Symbols[i / Venues.Length % Symbols.Length];
            var price = 20_000m + random.Next(0, 5_000_000) / 100m;
            var tick = new Tick(venue, TickKind.Trade, symbol, price, random.Next(1, 1_000_000) / 100_000m, i % 2 == 0 ? TradeSide.Buy : TradeSide.Sell,
                i.ToString(CultureInfo.InvariantCulture), time, time.AddMilliseconds(35));
            var value = RecordJson.Serialize(tick);
            bytes += value.Length;
            delivered.Add(producer.ProduceAsync(Topics.Raw(venue), new Message<string, byte[]> { Key = symbol.Split('-')[0], Value = value, Timestamp = new Timestamp(time) }, cancellationToken));
            if (delivered.Count == 50_000)
            {
                await Task.WhenAll(delivered);
                delivered.Clear();
            }
        }

        await Task.WhenAll(delivered);
        return bytes;
    }

    private static (double Seconds, double Cpu) ReadPlain(string bootstrap, int rows, CancellationToken cancellationToken)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(StageKafkaClients.Consumer(bootstrap, "bench-plain-" + Guid.NewGuid().ToString("N")[..8], "bench-plain", new KafkaSecurityOptions())).Build();
        var cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        consumer.Subscribe(ArchiveTables.Topics);
        var read = 0;
        while (read < rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (consumer.Consume(TimeSpan.FromSeconds(1)) is { IsPartitionEOF: false, Message: not null })
            {
                read++;
            }
        }

        var seconds = clock.Elapsed.TotalSeconds;
        consumer.Close();
        return (seconds, CpuSeconds() - cpu);
    }

    private static async Task<(double Seconds, double Cpu, ArchiveSnapshot Snapshot)> RunArchiveAsync(string bootstrap, string folder, int rows, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = bootstrap,
            ["Archive:Directory"] = folder,
            ["Archive:GroupId"] = "bench-archive-" + Guid.NewGuid().ToString("N")[..8],
            // Only so the bench sees promptly when the backlog has been consumed; files keep their default sizes.
            ["Archive:ProgressInterval"] = "00:00:00.200",
        });
        builder.Services.AddArchive(builder.Configuration);
        using var host = builder.Build();
        var status = host.Services.GetRequiredService<ArchiveStatus>();
        var cpu = CpuSeconds();
        var clock = Stopwatch.StartNew();
        await host.StartAsync(cancellationToken);
        // Consumed = published + still in open files; then a clean stop publishes the open files.
        while (status.Current.Rows + status.Current.BufferedRows < rows)
        {
            if (status.Current.State == ArchiveState.Faulted)
            {
                throw new InvalidOperationException("the archive faulted: " + status.Current.LastError);
            }

            await Task.Delay(50, cancellationToken);
        }

        await host.StopAsync(cancellationToken);
        return (clock.Elapsed.TotalSeconds, CpuSeconds() - cpu, status.Current);
    }

    private static double CpuSeconds()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    private static int IntArg(string[] args, string name, int fallback)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
