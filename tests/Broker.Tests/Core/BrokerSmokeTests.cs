using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>Quick real-client checks the broker engineer runs while building; the full suite lives beside it.</summary>
public sealed class BrokerSmokeTests
{
    private static BrokerOptions Options() => new() { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero };

    [Fact]
    public async Task Admin_client_sees_the_broker_and_created_topics()
    {
        await using var broker = await EmbeddedBroker.StartAsync(Options());
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "smoke", NumPartitions = 3, ReplicationFactor = 1 }]);
        var metadata = admin.GetMetadata("smoke", TimeSpan.FromSeconds(10));
        Assert.Single(metadata.Brokers);
        Assert.Equal(3, metadata.Topics.Single().Partitions.Count);
    }

    [Fact]
    public async Task Produced_records_are_consumed_back_in_order_with_keys_headers_and_timestamps()
    {
        await using var broker = await EmbeddedBroker.StartAsync(Options());
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = "orders", NumPartitions = 2, ReplicationFactor = 1 }]);
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, EnableIdempotence = true, CompressionType = CompressionType.Lz4 }).Build())
        {
            for (var i = 0; i < 1000; i++)
            {
                producer.Produce(new TopicPartition("orders", i % 2), new Message<string, string>
                {
                    Key = "k" + i,
                    Value = "v" + i,
                    Timestamp = new Timestamp(1_700_000_000_000 + i, TimestampType.CreateTime),
                    Headers = [new Header("h", [(byte)(i % 256)])],
                });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "g",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign([new TopicPartitionOffset("orders", 0, 0), new TopicPartitionOffset("orders", 1, 0)]);
        var seen = new List<ConsumeResult<string, string>>();
        while (seen.Count < 1000)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(10));
            Assert.NotNull(result);
            seen.Add(result);
        }

        foreach (var partition in seen.GroupBy(r => r.Partition.Value))
        {
            Assert.Equal(Enumerable.Range(0, 500).Select(i => (long)i), partition.Select(r => r.Offset.Value));
        }

        var first = seen.First(r => r.Message.Key == "k7");
        Assert.Equal("v7", first.Message.Value);
        Assert.Equal(1_700_000_000_007, first.Message.Timestamp.UnixTimestampMs);
        Assert.Equal(7, first.Message.Headers.Single().GetValueBytes()[0]);
    }
}
