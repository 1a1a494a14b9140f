using System.Globalization;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.EmbeddedOnly;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;
using Streamiz.Kafka.Net.Table;

namespace CryptoStreams.Broker.Tests.Streams;

/// <summary>
/// A Streamiz exactly-once windowed count, stopped and restarted between two halves of its input, ends with the
/// counts of an uninterrupted run: no record counted twice or lost across the restart. This needs transactional
/// offset commits and read_committed filtering, which librdkafka's mock gets wrong.
/// </summary>
public sealed class ExactlyOnceWindowedCountTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>, IDisposable
{
    private const int Partitions = 2;
    private static readonly TimeSpan WindowSize = TimeSpan.FromSeconds(10);
    private static readonly DateTime Start = new(2026, 7, 1, 12, 0, 0, DateTimeKind.Utc);
    private readonly string _stateDirectory = Directory.CreateTempSubdirectory("streamiz-eos-").FullName;

    public void Dispose() => Directory.Delete(_stateDirectory, recursive: true);

    [Fact]
    public async Task Restarted_exactly_once_app_counts_every_record_once()
    {
        var input = ClientConfigs.Unique("eos-in");
        var output = ClientConfigs.Unique("eos-out");
        var applicationId = ClientConfigs.Unique("eos-app");
        await broker.Endpoint.CreateTopicAsync(input, Partitions);
        await broker.Endpoint.CreateTopicAsync(output, Partitions);

        var events = Events(count: 600).ToList();
        var firstHalf = events[..300];
        var expectedFirstHalf = ExpectedCounts(firstHalf);
        var expected = ExpectedCounts(events);

        using var producer = new ProducerBuilder<string, string>(ClientConfigs.Producer(broker.BootstrapServers)).Build();
        await ProduceAsync(producer, input, firstHalf);

        using (var first = new KafkaStream(BuildTopology(input, output), Config(applicationId)))
        {
            await first.StartAsync();
            await Eventually.HoldsAsync(
                async () => (await LatestCountsAsync(output)).SequenceEqual(expectedFirstHalf),
                "the first instance has counted the first half", TimeSpan.FromSeconds(60));

            // The second half arrives while the first instance is still running; it stops at whatever point it reached.
            await ProduceAsync(producer, input, events[300..]);
        }

        using var second = new KafkaStream(BuildTopology(input, output), Config(applicationId));
        await second.StartAsync();
        var latest = new SortedDictionary<string, long>(StringComparer.Ordinal);
        try
        {
            await Eventually.HoldsAsync(
                async () => (latest = await LatestCountsAsync(output)).SequenceEqual(expected),
                "the restarted instance reaches the counts of an uninterrupted run", TimeSpan.FromSeconds(60));
        }
        catch (TimeoutException)
        {
            // Show which windows are off, not just that the wait timed out.
            Assert.Equal(expected, latest);
            throw;
        }
    }

    /// <summary>Input events: three assets, timestamps spread over several windows, in time order.</summary>
    private static IEnumerable<(string Asset, DateTime Time)> Events(int count) =>
        Enumerable.Range(0, count).Select(i => (Asset: new[] { "BTC", "ETH", "LINK" }[(i * 7 / 3) % 3], Time: Start.AddMilliseconds(i * 113L)));

    /// <summary>The windowed count computed independently: group by asset and window start.</summary>
    private static SortedDictionary<string, long> ExpectedCounts(IEnumerable<(string Asset, DateTime Time)> events) =>
        new(events
            .GroupBy(e => WindowKey(e.Asset, new DateTimeOffset(e.Time).ToUnixTimeMilliseconds() / (long)WindowSize.TotalMilliseconds * (long)WindowSize.TotalMilliseconds))
            .ToDictionary(g => g.Key, g => (long)g.Count()), StringComparer.Ordinal);

    private static string WindowKey(string asset, long windowStartMs) => $"{asset}@{windowStartMs.ToString(CultureInfo.InvariantCulture)}";

    private static Streamiz.Kafka.Net.Stream.Topology BuildTopology(string input, string output)
    {
        var builder = new StreamBuilder();
        builder.Stream(input, new StringSerDes(), new StringSerDes(), "ticks-source")
            .GroupByKey("ticks-by-asset")
            .WindowedBy(TumblingWindowOptions.Of(WindowSize, TimeSpan.FromHours(1)))
            .Count(
                InMemoryWindows.As<string, long>("tick-counts")
                    .WithKeySerdes(new StringSerDes())
                    .WithValueSerdes(new Int64SerDes())
                    .WithRetention(TimeSpan.FromHours(2))
                    .WithCachingDisabled(),
                "count-ticks")
            .ToStream("counts-stream")
            .Map((key, count, _) => KeyValuePair.Create(WindowKey(key.Key, key.Window.StartMs), count.ToString(CultureInfo.InvariantCulture)), "counts-by-window")
            .To(output, new StringSerDes(), new StringSerDes(), "counts-sink");
        return builder.Build();
    }

    private StreamConfig<StringSerDes, StringSerDes> Config(string applicationId) => new()
    {
        ApplicationId = applicationId,
        BootstrapServers = broker.BootstrapServers,
        Guarantee = ProcessingGuarantee.EXACTLY_ONCE,
        StateDir = _stateDirectory,
        AutoOffsetReset = AutoOffsetReset.Earliest,
        CommitIntervalMs = 100,
        SessionTimeoutMs = 6_000,
        HeartbeatIntervalMs = 500,
        MaxPollRecords = 50,
        NumStreamThreads = 1,
        Logger = NullLoggerFactory.Instance,
    };

    private static async Task ProduceAsync(IProducer<string, string> producer, string topic, IEnumerable<(string Asset, DateTime Time)> events)
    {
        foreach (var (asset, time) in events)
        {
            producer.Produce(topic, new Message<string, string> { Key = asset, Value = "tick", Timestamp = new Timestamp(time, TimestampType.CreateTime) });
        }

        await Task.Run(() => Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30))));
    }

    /// <summary>The last committed count per window in the output, as a read_committed consumer sees it.</summary>
    private async Task<SortedDictionary<string, long>> LatestCountsAsync(string output)
    {
        var records = await Read.AllAsync(broker.BootstrapServers, output, Partitions, IsolationLevel.ReadCommitted);
        var latest = new SortedDictionary<string, long>(StringComparer.Ordinal);
        foreach (var record in records.OrderBy(r => r.Partition).ThenBy(r => r.Offset))
        {
            latest[record.Key!] = long.Parse(record.Value!, CultureInfo.InvariantCulture);
        }

        return latest;
    }
}
