using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;
using CryptoStreams.Broker.Tests.Suite;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>A clean stop and a start on the same data directory keeps records, offsets, transactions and configs.</summary>
public sealed class DurabilityTests : IDisposable
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("broker-durability-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Records_offsets_transactions_and_topic_configs_survive_a_restart()
    {
        var topic = ClientConfigs.Unique("durable");
        var txnTopic = ClientConfigs.Unique("durable-txn");
        var group = ClientConfigs.Unique("durable-group");
        List<ObservedRecord> before;
        List<ObservedRecord> committedBefore;
        await using (var first = await KafkaEndpoint.StartEmbeddedBrokerAsync(_dataDirectory))
        {
            using (var admin = new AdminClientBuilder(ClientConfigs.Admin(first.BootstrapServers)).Build())
            {
                await admin.CreateTopicsAsync([new TopicSpecification
                {
                    Name = topic,
                    NumPartitions = SampleRecords.Partitions,
                    ReplicationFactor = 1,
                    Configs = new() { ["retention.ms"] = "86400000" },
                }]);
            }

            using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(first.BootstrapServers, CompressionType.Lz4)).Build())
            {
                foreach (var record in SampleRecords.All(CompressionType.Lz4))
                {
                    producer.Produce(new TopicPartition(topic, record.Partition), record.Message);
                }

                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            }

            using (var committer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(first.BootstrapServers, group)).Build())
            {
                committer.Commit([new TopicPartitionOffset(topic, 0, 11), new TopicPartitionOffset(topic, 2, 22)]);
                committer.Close();
            }

            before = Ordered(await Read.AllAsync(first.BootstrapServers, topic, SampleRecords.Partitions));
            await first.CreateTopicAsync(txnTopic, 1);
            using (var transactional = TransactionTests.TransactionalProducer(first))
            {
                foreach (var (label, commit) in new[] { ("kept", true), ("dropped", false) })
                {
                    transactional.BeginTransaction();
                    transactional.Produce(txnTopic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(label) });
                    if (commit)
                    {
                        transactional.CommitTransaction(TimeSpan.FromSeconds(30));
                    }
                    else
                    {
                        transactional.Flush(TimeSpan.FromSeconds(30));
                        transactional.AbortTransaction(TimeSpan.FromSeconds(30));
                    }
                }
            }

            committedBefore = await Read.AllAsync(first.BootstrapServers, txnTopic, 1, IsolationLevel.ReadCommitted);
        }

        await using var second = await KafkaEndpoint.StartEmbeddedBrokerAsync(_dataDirectory);
        Assert.Equal(before, Ordered(await Read.AllAsync(second.BootstrapServers, topic, SampleRecords.Partitions)));
        Assert.Equal(SampleRecords.Expected(CompressionType.Lz4).Count, before.Count);

        var committedAfter = await Read.AllAsync(second.BootstrapServers, txnTopic, 1, IsolationLevel.ReadCommitted);
        Assert.Equal(["kept"], committedBefore.Select(r => r.Value));
        Assert.Equal(committedBefore, committedAfter);

        using (var reader = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(second.BootstrapServers, group)).Build())
        {
            var committed = reader.Committed(Enumerable.Range(0, SampleRecords.Partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(30));
            Assert.Equal([11L, Offset.Unset.Value, 22L], committed.OrderBy(c => c.Partition.Value).Select(c => c.Offset.Value));
        }

        using var admin2 = new AdminClientBuilder(ClientConfigs.Admin(second.BootstrapServers)).Build();
        var configs = await admin2.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);
        Assert.Equal("86400000", configs.Single().Entries["retention.ms"].Value);
    }

    private static List<ObservedRecord> Ordered(IEnumerable<ObservedRecord> records) => [.. records.OrderBy(r => r.Partition).ThenBy(r => r.Offset)];
}
