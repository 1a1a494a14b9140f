using System.Diagnostics;
using System.Globalization;
using System.Diagnostics.Metrics;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.Kafka;
using CryptoStreams.Extractors.Simulation;
using CryptoStreams.Schema;
using HdrHistogram;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Bench;

/// <summary>
/// End-to-end extractor → broker rate: records of the simulated market (generated up front, so generation is not
/// measured) published through <see cref="KafkaRawSink"/> into the embedded broker (or <c>--bootstrap</c>), until
/// every record is acknowledged. Reports records/s and the p50/p99 latency of one publish call (which includes
/// any back-pressure wait).
/// <c>dotnet run -c Release --project bench/Bench -- extract [--minutes N] [--rate TRADES_PER_SECOND] [--bootstrap HOST:PORT]</c>
/// </summary>
public sealed class ExtractorHarness : IHarness
{
    public string Name => "extract";

    public string Description => "simulated ticks through KafkaRawSink into the broker (records/s, publish p50/p99)";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var minutes = Arg(args, "--minutes", 10);
        var rate = Arg(args, "--rate", 200);
        var bootstrap = args.SkipWhile(a => a != "--bootstrap").Skip(1).FirstOrDefault();

        var options = new SimulationOptions { Seed = 1, TradesPerSecond = rate };
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var generation = Stopwatch.StartNew();
        var records = SimulatedMarket.Generate(options, start, TimeSpan.FromMinutes(minutes)).ToList();
        generation.Stop();
        Console.WriteLine($"generated {records.Count:N0} records ({minutes} simulated minutes, {rate} trades/s per venue and asset) in {generation.Elapsed.TotalSeconds:0.00} s = {records.Count / generation.Elapsed.TotalSeconds:N0} rec/s");

        EmbeddedBroker? broker = null;
        if (bootstrap is null)
        {
            broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0 }, cancellationToken: cancellationToken);
            bootstrap = broker.BootstrapServers;
        }

        try
        {
            using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
            {
                try
                {
                    await admin.CreateTopicsAsync(TopicCatalog.All().Where(t => t.Name.StartsWith("raw.", StringComparison.Ordinal) || t.Name == Topics.DlqExtractors)
                        .Select(t => new TopicSpecification { Name = t.Name, NumPartitions = t.Partitions, ReplicationFactor = 1 }));
                }
                catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code is ErrorCode.NoError or ErrorCode.TopicAlreadyExists))
                {
                    // Topics from an earlier run.
                }
            }

            using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var metrics = new ExtractorMetrics(meters.GetRequiredService<IMeterFactory>());

            var sinkOptions = new KafkaSinkOptions { BootstrapServers = bootstrap };
            var histogram = new LongHistogram(TimeStamp.Seconds(10), 3);
            var clock = Stopwatch.StartNew();
            await using (var sink = new KafkaRawSink(Options.Create(sinkOptions), metrics, TimeProvider.System, NullLogger<KafkaRawSink>.Instance))
            {
                foreach (var record in records)
                {
                    var before = Stopwatch.GetTimestamp();
                    await record.PublishAsync(sink, cancellationToken);
                    histogram.RecordValue(Stopwatch.GetTimestamp() - before);
                }

                var accepted = clock.Elapsed;
                await sink.FlushAsync(cancellationToken);
                clock.Stop();
                Console.WriteLine($"accepted {records.Count:N0} in {accepted.TotalSeconds:0.00} s; all acknowledged after {clock.Elapsed.TotalSeconds:0.00} s");
                Console.WriteLine($"extractor -> broker: {records.Count / clock.Elapsed.TotalSeconds:N0} rec/s end to end (delivered {sink.Delivered:N0}, errors {sink.DeliveryErrors})");
            }

            double Micros(double percentile) => histogram.GetValueAtPercentile(percentile) * 1_000_000.0 / Stopwatch.Frequency;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"publish call latency: p50 {Micros(50):0.0} µs, p99 {Micros(99):0.0} µs, max {Micros(100):0.0} µs"));
            return 0;
        }
        finally
        {
            if (broker is not null)
            {
                await broker.DisposeAsync();
            }
        }
    }

    private static int Arg(string[] args, string name, int fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
