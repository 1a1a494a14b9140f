using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Archive.Parquet;
using CryptoStreams.Broker;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Archive.Tests.Support;

/// <summary>One record as it is on a topic.</summary>
public sealed record TopicRecord(string Topic, int Partition, long Offset, DateTimeOffset Timestamp, string? Key, byte[] Value);

/// <summary>Records for every archived topic, with the awkward values the schema allows, and the broker they go to.</summary>
public static class ArchiveTestData
{
    public const int Partitions = 3;

    // Prices a Parquet DECIMAL(38, s) cannot all hold: the largest decimal, the finest scale, trailing zeros kept.
    private static readonly decimal[] Prices =
    [
        94312.01000000m, 0.0000000000000000000000000001m, 79228162514264337593543950335m, 1.5m, 3087.1234567890123456789m, 0.00001000m,
    ];

    private static readonly string[] Assets = ["BTC", "ETH", "LINK"];

    public static async Task<EmbeddedBroker> StartBrokerAsync()
    {
        var broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero, FsyncPolicy = FsyncPolicy.Never });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(ArchiveTables.Topics.Append(Topics.DlqArchive)
            .Select(t => new TopicSpecification { Name = t, NumPartitions = Partitions, ReplicationFactor = 1 }));
        return broker;
    }

    /// <summary>A wave of <paramref name="count"/> records over every archived topic, starting at <paramref name="start"/> (event time).</summary>
    public static IEnumerable<(string Topic, string Key, byte[] Value, DateTimeOffset Time)> Wave(int wave, int count, DateTimeOffset start)
    {
        for (var i = 0; i < count; i++)
        {
            var n = (wave * count) + i;
            var asset = Assets[n % Assets.Length];
            // Crosses hour boundaries, so files roll by hour too.
            var time = start.AddSeconds(n * 7.3).AddTicks(n % 10);
            var price = Prices[n % Prices.Length];
            switch (n % 10)
            {
                case 7:
                    yield return (Topics.RawChainlink, asset, RecordJson.Serialize(new OracleRound(
                        Sources.Chainlink, asset + "-USD", "0x" + new string('a', 40), UInt128.MaxValue - (ulong)n, price, 8, time.AddSeconds(-1), time,
                        (UInt128)ulong.MaxValue * 65536 + (ulong)n, time.AddMilliseconds(250))), time);
                    break;
                case 8:
                    yield return (Topics.RawGaps, asset, RecordJson.Serialize(new Gap(
                        Sources.KuCoin, asset + "-USDT", time.AddMinutes(-2), time, n, GapCoverage.Partial, "disconnect: test " + n.ToString(CultureInfo.InvariantCulture), time.AddSeconds(1))), time);
                    break;
                case 9:
                    yield return (Topics.RawCandles, asset, RecordJson.Serialize(new Candle(
                        Sources.Okx, asset + "-USDT", TickKind.Trade, time, time.AddMinutes(1), price, price + 1, price / 2, price, price, 12.000m, n, Coverage.Complete, true)), time);
                    break;
                default:
                    var source = Sources.TickSources[n % Sources.TickSources.Count];
                    var quote = Sources.IsPriceApi(source);
                    yield return (Topics.Raw(source), asset, RecordJson.Serialize(new Tick(
                        source, quote ? TickKind.Quote : TickKind.Trade, asset + "-USDT", price, quote ? 0m : 0.00012300m, quote ? TradeSide.Unknown : (n % 2 == 0 ? TradeSide.Buy : TradeSide.Sell),
                        quote ? null : n.ToString(CultureInfo.InvariantCulture), time, time.AddTicks(12_345))), time);
                    break;
            }
        }
    }

    public static async Task ProduceAsync(string bootstrap, IEnumerable<(string Topic, string Key, byte[] Value, DateTimeOffset Time)> records)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5 }).Build();
        var sent = records.Select(r => producer.ProduceAsync(r.Topic, new Message<string, byte[]> { Key = r.Key, Value = r.Value, Timestamp = new Timestamp(r.Time) })).ToList();
        await Task.WhenAll(sent);
    }

    /// <summary>Everything on the archived topics now, read back to each partition's end.</summary>
    public static IReadOnlyList<TopicRecord> ReadTopics(string bootstrap)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "archive-tests-reader", EnableAutoCommit = false }).Build();
        var records = new List<TopicRecord>();
        foreach (var topic in ArchiveTables.Topics)
        {
            for (var p = 0; p < Partitions; p++)
            {
                var tp = new TopicPartition(topic, p);
                var high = consumer.QueryWatermarkOffsets(tp, TimeSpan.FromSeconds(10)).High.Value;
                if (high == 0)
                {
                    continue;
                }

                consumer.Assign(new TopicPartitionOffset(tp, Offset.Beginning));
                while (true)
                {
                    var result = consumer.Consume(TimeSpan.FromSeconds(10)) ?? throw new TimeoutException($"{topic}[{p}] stopped before {high}");
                    records.Add(new TopicRecord(topic, p, result.Offset.Value, new DateTimeOffset(result.Message.Timestamp.UtcDateTime, TimeSpan.Zero),
                        result.Message.Key is null ? null : System.Text.Encoding.UTF8.GetString(result.Message.Key), result.Message.Value));
                    if (result.Offset.Value == high - 1)
                    {
                        break;
                    }
                }
            }
        }

        return records;
    }
}
