using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Xunit;

namespace EmbeddedKafka.Sample.Tests;

/// <summary>The broker this test class shares: two topics made before the first test.</summary>
public sealed class SampleKafka() : EmbeddedKafkaFixture(new KafkaTopic("orders", Partitions: 3), new KafkaTopic("payments"));

/// <summary>What a user of the package would write: plain Confluent.Kafka against the fixture's broker.</summary>
public sealed class KafkaSampleTests(SampleKafka kafka) : IClassFixture<SampleKafka>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_produced_record_is_consumed_with_its_key_value_and_headers()
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build();
        var sent = await producer.ProduceAsync(
            new TopicPartition("orders", 1),
            new Message<string, string> { Key = "o-1", Value = "{\"qty\":2}", Headers = new Headers { { "source", Encoding.UTF8.GetBytes("sample") } } });

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "read-back",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(sent.TopicPartitionOffset);
        var read = consumer.Consume(Patience);

        Assert.NotNull(read);
        Assert.Equal("o-1", read.Message.Key);
        Assert.Equal("{\"qty\":2}", read.Message.Value);
        Assert.Equal("sample", Encoding.UTF8.GetString(read.Message.Headers.GetLastBytes("source")));
    }

    [Fact]
    public async Task A_consumer_group_shares_the_partitions_and_resumes_from_its_commit()
    {
        const string group = "billing";
        using (var producer = new ProducerBuilder<Null, string>(new ProducerConfig { BootstrapServers = kafka.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync("payments", new Message<Null, string> { Value = $"p{i}" });
            }
        }

        var config = new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = group,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        };
        using (var first = new ConsumerBuilder<Null, string>(config).Build())
        {
            first.Subscribe("payments");
            for (var i = 0; i < 4; i++)
            {
                var record = first.Consume(Patience);
                Assert.Equal($"p{i}", record?.Message.Value);
                first.Commit(record);
            }

            first.Close();
        }

        using var second = new ConsumerBuilder<Null, string>(config).Build();
        second.Subscribe("payments");
        var resumed = second.Consume(Patience);
        Assert.Equal("p4", resumed?.Message.Value);
        second.Close();
    }

    [Fact]
    public async Task A_read_committed_consumer_sees_the_committed_transaction_and_not_the_aborted_one()
    {
        var config = new ProducerConfig { BootstrapServers = kafka.BootstrapServers, TransactionalId = "sample-tx" };
        using (var producer = new ProducerBuilder<string, string>(config).Build())
        {
            producer.InitTransactions(Patience);
            producer.BeginTransaction();
            await producer.ProduceAsync(new TopicPartition("orders", 0), new Message<string, string> { Key = "tx", Value = "aborted" });
            producer.AbortTransaction(Patience);
            producer.BeginTransaction();
            await producer.ProduceAsync(new TopicPartition("orders", 0), new Message<string, string> { Key = "tx", Value = "committed" });
            producer.CommitTransaction(Patience);
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = kafka.BootstrapServers,
            GroupId = "tx-reader",
            IsolationLevel = IsolationLevel.ReadCommitted,
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).Build();
        consumer.Assign(new TopicPartitionOffset("orders", 0, Offset.Beginning));
        var values = new List<string>();
        while (consumer.Consume(TimeSpan.FromSeconds(2)) is { } record)
        {
            values.Add(record.Message.Value);
        }

        Assert.Contains("committed", values);
        Assert.DoesNotContain("aborted", values);
    }
}
