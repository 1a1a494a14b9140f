using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Kafka;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Tests.Kafka;

/// <summary>The sink against the embedded broker: what a consumer reads back is exactly what was published.</summary>
public sealed class KafkaRawSinkBrokerTests : IAsyncLifetime
{
    private static readonly string[] TopicNames = [Topics.RawBinance, Topics.RawChainlink, Topics.RawGaps, Topics.DlqExtractors];

    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(TopicNames.Select(t => new TopicSpecification { Name = t, NumPartitions = 3, ReplicationFactor = 1 }));
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private static List<ConsumeResult<string, byte[]>> ReadAll(string bootstrap, string topic, int expected)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap,
            GroupId = "extractor-tests",
            EnableAutoCommit = false,
        }).Build();
        consumer.Assign(Enumerable.Range(0, 3).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
        var results = new List<ConsumeResult<string, byte[]>>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (results.Count < expected && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is { IsPartitionEOF: false } result)
            {
                results.Add(result);
            }
        }

        return results;
    }

    /// <summary>
    /// Raw records must be partitioned by asset with the hash the Streamiz topology's producer (and Java clients)
    /// use, murmur2: the reference is a plain producer configured that way, writing the same keys.
    /// </summary>
    [Fact]
    public async Task Records_of_an_asset_go_to_the_partition_a_murmur2_producer_picks()
    {
        const string reference = "partition-reference";
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = reference, NumPartitions = 3, ReplicationFactor = 1 }]);
        }

        var symbols = new[] { "BTC-USDT", "ETH-USDT", "LINK-USDT", "SOL-USDT", "XRP-USDT", "DOGE-USDT", "ADA-USDT", "AVAX-USDT" };
        var at = new DateTimeOffset(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
        var ticks = symbols.Select((symbol, i) => new Tick(Sources.Binance, TickKind.Trade, symbol, 1m + i, 1m, TradeSide.Buy, i.ToString(System.Globalization.CultureInfo.InvariantCulture), at, at)).ToList();
        var options = new KafkaSinkOptions { BootstrapServers = _broker.BootstrapServers, LingerMs = 0 };
        await using (var sink = new KafkaRawSink(Options.Create(options), ExtractorHostTests.Metrics(), TimeProvider.System, NullLogger<KafkaRawSink>.Instance))
        {
            foreach (var tick in ticks)
            {
                await sink.PublishTickAsync(tick, CancellationToken.None);
            }

            await sink.FlushAsync(CancellationToken.None);
        }

        using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers, Partitioner = Partitioner.Murmur2Random }).Build())
        {
            foreach (var tick in ticks)
            {
                await producer.ProduceAsync(reference, new Message<string, byte[]> { Key = tick.Asset, Value = [] });
            }
        }

        var published = ReadAll(_broker.BootstrapServers, Topics.RawBinance, symbols.Length).ToDictionary(r => r.Message.Key, r => r.Partition.Value, StringComparer.Ordinal);
        var expected = ReadAll(_broker.BootstrapServers, reference, symbols.Length).ToDictionary(r => r.Message.Key, r => r.Partition.Value, StringComparer.Ordinal);
        Assert.Equal(symbols.Length, published.Count);
        Assert.Equal(expected.OrderBy(kv => kv.Key, StringComparer.Ordinal), published.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.True(published.Values.Distinct().Count() > 1, "eight assets should spread over the three partitions");
    }

    [Fact]
    public async Task Records_are_keyed_by_asset_stamped_with_event_time_and_keep_exact_decimals()
    {
        var eventTime = new DateTimeOffset(2026, 1, 5, 12, 0, 0, 123, TimeSpan.Zero);
        var ticks = new[] { "BTC-USDT", "ETH-USDT", "LINK-USDT", "BTC-USDT" }
            .Select((symbol, i) => new Tick(Sources.Binance, TickKind.Trade, symbol, 60_000.123456789012345678m + i, 0.00000001m, TradeSide.Sell, i.ToString(System.Globalization.CultureInfo.InvariantCulture), eventTime.AddSeconds(i), eventTime.AddSeconds(i).AddMilliseconds(4)))
            .ToList();
        var round = new OracleRound(Sources.Chainlink, "ETH-USD", "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419", UInt128.Parse("110680464442257319227", System.Globalization.CultureInfo.InvariantCulture), 3386.20512345m, 8, eventTime, eventTime.AddSeconds(12), UInt128.Parse("110680464442257319227", System.Globalization.CultureInfo.InvariantCulture), eventTime.AddSeconds(13));
        var gap = new Gap(Sources.Binance, "LINK-USDT", eventTime, eventTime.AddSeconds(30), 12, GapCoverage.Partial, "test", eventTime.AddSeconds(31));
        var letter = DeadLetters.ForFrame(Sources.Binance, "unparseable", "cut off", "{\"p\":\"6"u8, eventTime.AddSeconds(2));

        var options = new KafkaSinkOptions { BootstrapServers = _broker.BootstrapServers, LingerMs = 0 };
        Assert.True(options.ToProducerConfig().EnableIdempotence);
        await using (var sink = new KafkaRawSink(Options.Create(options), ExtractorHostTests.Metrics(), TimeProvider.System, NullLogger<KafkaRawSink>.Instance))
        {
            foreach (var tick in ticks)
            {
                await sink.PublishTickAsync(tick, CancellationToken.None);
            }

            await sink.PublishOracleRoundAsync(round, CancellationToken.None);
            await sink.PublishGapAsync(gap, CancellationToken.None);
            await sink.PublishDeadLetterAsync(letter, CancellationToken.None);
            await sink.FlushAsync(CancellationToken.None);
            Assert.Equal(7, sink.Delivered);
            Assert.Equal(0, sink.DeliveryErrors);
        }

        var readTicks = ReadAll(_broker.BootstrapServers, Topics.RawBinance, 4);
        Assert.Equal(4, readTicks.Count);
        var decoded = readTicks.Select(r => RecordJson.Deserialize<Tick>(r.Message.Value)).OrderBy(t => t.TradeId, StringComparer.Ordinal).ToList();
        Assert.Equal(ticks, decoded);
        Assert.All(readTicks, r =>
        {
            var tick = RecordJson.Deserialize<Tick>(r.Message.Value);
            Assert.Equal(tick.Asset, r.Message.Key);
            Assert.Equal(TimestampType.CreateTime, r.Message.Timestamp.Type);
            Assert.Equal(tick.EventTime, DateTimeOffset.FromUnixTimeMilliseconds(r.Message.Timestamp.UnixTimestampMs));
        });

        // Same asset, same partition: everything about BTC is co-partitioned.
        Assert.Single(readTicks.Where(r => r.Message.Key == "BTC").Select(r => r.Partition.Value).Distinct());

        var readRound = Assert.Single(ReadAll(_broker.BootstrapServers, Topics.RawChainlink, 1));
        Assert.Equal("ETH", readRound.Message.Key);
        Assert.Equal(round, RecordJson.Deserialize<OracleRound>(readRound.Message.Value));
        Assert.Equal(round.UpdatedAt.ToUnixTimeMilliseconds(), readRound.Message.Timestamp.UnixTimestampMs);

        var readGap = Assert.Single(ReadAll(_broker.BootstrapServers, Topics.RawGaps, 1));
        Assert.Equal("LINK", readGap.Message.Key);
        Assert.Equal(gap, RecordJson.Deserialize<Gap>(readGap.Message.Value));

        var readLetter = Assert.Single(ReadAll(_broker.BootstrapServers, Topics.DlqExtractors, 1));
        Assert.Equal(Sources.Binance, readLetter.Message.Key);
        Assert.Equal(letter, RecordJson.Deserialize<DeadLetter>(readLetter.Message.Value));
        Assert.Equal("{\"p\":\"6", Encoding.UTF8.GetString(RecordJson.Deserialize<DeadLetter>(readLetter.Message.Value).Payload));
    }
}
