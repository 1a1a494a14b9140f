using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Tests.Clients;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>
/// Per-record produce errors (KIP-467), LogAppendTime topics and timestamp lookups inside compressed batches, as
/// librdkafka's own suite (0011_produce_batch) and Apache Kafka expect them.
/// </summary>
public sealed class RecordValidationTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private static readonly DateTime Start = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    /// <summary>Records produced before the flush go out as one batch.</summary>
    private static ProducerConfig Lingering(ProducerConfig config)
    {
        config.LingerMs = 1000;
        return config;
    }

    private IAdminClient Admin() => new AdminClientBuilder(ClientConfigs.Admin(broker.BootstrapServers)).Build();

    [Fact]
    public async Task A_batch_with_keyless_records_on_a_compacted_topic_is_refused_naming_each_keyless_record()
    {
        var topic = ClientConfigs.Unique("compacted");
        using (var admin = Admin())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);

            // As 0011 does it: APPEND compact to the default cleanup.policy=delete.
            await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
            {
                [new ConfigResource { Type = ResourceType.Topic, Name = topic }] =
                    [new ConfigEntry { Name = "cleanup.policy", Value = "compact", IncrementalOperation = AlterConfigOpType.Append }],
            });
            var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);
            Assert.Equal("delete,compact", described.Single().Entries["cleanup.policy"].Value);
        }

        var reports = new List<DeliveryReport<byte[]?, byte[]?>>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(Lingering(ClientConfigs.Producer(broker.BootstrapServers))).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                var keyed = i % 5 != 0;
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Key = keyed ? Encoding.UTF8.GetBytes($"k{i}") : null, Value = Encoding.UTF8.GetBytes($"v{i}") }, r =>
                {
                    lock (reports)
                    {
                        reports.Add(r);
                    }
                });
            }

            producer.Flush(Timeout);
            var accepted = await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes("keyed"), Value = Encoding.UTF8.GetBytes("accepted") });
            Assert.Equal(0, accepted.Offset.Value);
        }

        Assert.Equal(20, reports.Count);
        var keyless = reports.Where(r => r.Message.Key is null).ToList();
        Assert.Equal(4, keyless.Count);
        Assert.All(keyless, r => Assert.Equal(ErrorCode.InvalidRecord, r.Error.Code));

        // The rest of the batch fails with it (librdkafka: _INVALID_DIFFERENT_RECORD); nothing of it is stored.
        Assert.All(reports.Where(r => r.Message.Key is not null), r => Assert.True(r.Error.IsError && r.Error.Code != ErrorCode.InvalidRecord, r.Error.ToString()));
        var stored = await Read.AllAsync(broker.BootstrapServers, topic, 1);
        Assert.Equal(["accepted"], stored.Select(r => r.Value));
    }

    [Fact]
    public async Task A_record_with_a_timestamp_further_back_than_message_timestamp_before_max_ms_is_refused()
    {
        var topic = ClientConfigs.Unique("bounded");
        using (var admin = Admin())
        {
            await admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = topic,
                NumPartitions = 1,
                ReplicationFactor = 1,
                Configs = new() { ["message.timestamp.before.max.ms"] = "3600000" },
            }]);
        }

        using var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers)).Build();
        var old = await Assert.ThrowsAsync<ProduceException<byte[]?, byte[]?>>(() => producer.ProduceAsync(topic, new Message<byte[]?, byte[]?>
        {
            Value = Encoding.UTF8.GetBytes("a day old"),
            Timestamp = new Timestamp(DateTime.UtcNow.AddDays(-1), TimestampType.CreateTime),
        }));
        Assert.Equal(ErrorCode.InvalidTimestamp, old.Error.Code);
        var recent = await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes("now") });
        Assert.Equal(0, recent.Offset.Value);
    }

    [Fact]
    public async Task A_LogAppendTime_topic_stamps_records_with_the_broker_clock()
    {
        var topic = ClientConfigs.Unique("appendtime");
        using (var admin = Admin())
        {
            await admin.CreateTopicsAsync([new TopicSpecification
            {
                Name = topic,
                NumPartitions = 1,
                ReplicationFactor = 1,
                Configs = new() { ["message.timestamp.type"] = "LogAppendTime" },
            }]);
        }

        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers, CompressionType.Lz4)).Build())
        {
            for (var i = 0; i < 3; i++)
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"r{i}"), Timestamp = new Timestamp(Start, TimestampType.CreateTime) });
            }

            producer.Flush(Timeout);
        }

        var records = await Read.AllAsync(broker.BootstrapServers, topic, 1);
        Assert.Equal(3, records.Count);
        Assert.All(records, r =>
        {
            Assert.Equal(TimestampType.LogAppendTime, r.TimestampType);
            Assert.InRange(r.TimestampMs, before, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        });
    }

    [Theory]
    [InlineData(CompressionType.Gzip)]
    [InlineData(CompressionType.Snappy)]
    [InlineData(CompressionType.Lz4)]
    [InlineData(CompressionType.Zstd)]
    public async Task A_timestamp_lookup_inside_a_compressed_batch_answers_the_exact_offset(CompressionType compression)
    {
        var topic = ClientConfigs.Unique("ztimes");
        using (var admin = Admin())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]);
        }

        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(Lingering(ClientConfigs.Producer(broker.BootstrapServers, compression))).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"t{i}"), Timestamp = new Timestamp(Start.AddSeconds(i), TimestampType.CreateTime) });
            }

            producer.Flush(Timeout);
        }

        var offsets = await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(broker.BootstrapServers, ClientConfigs.Unique("ztimes"))).Build();
            return new[] { Start.AddMilliseconds(2_500), Start.AddSeconds(7), Start.AddMilliseconds(9_001) }
                .Select(t => consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(t, TimestampType.CreateTime))], Timeout).Single().Offset.Value)
                .ToArray();
        });
        Assert.Equal([3L, 7L, Offset.End.Value], offsets);
    }
}
