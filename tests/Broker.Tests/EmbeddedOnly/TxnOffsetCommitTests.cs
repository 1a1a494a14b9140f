using System.Diagnostics;
using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Suite;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>
/// Offsets sent within a transaction become the group's committed offsets when, and only when, it commits (the mock
/// never stores them, which is why Streamiz exactly-once over-counts on it).
/// </summary>
public sealed class TxnOffsetCommitTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>
{
    [Fact]
    public async Task Offsets_sent_in_a_committed_transaction_are_stored_and_those_of_an_aborted_one_are_not()
    {
        var input = ClientConfigs.Unique("txn-in");
        var output = ClientConfigs.Unique("txn-out");
        await broker.Endpoint.CreateTopicAsync(input, 1);
        await broker.Endpoint.CreateTopicAsync(output, 1);
        var group = ClientConfigs.Unique("txn-group");
        var tp = new TopicPartition(input, 0);

        await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(broker.BootstrapServers, group, IsolationLevel.ReadCommitted)).Build();
            consumer.Subscribe(input);
            var clock = Stopwatch.StartNew();
            while (consumer.Assignment.Count == 0)
            {
                Assert.True(clock.Elapsed < Read.Timeout, "the consumer joined its group");
                consumer.Consume(TimeSpan.FromMilliseconds(50));
            }

            using var producer = TransactionTests.TransactionalProducer(broker.Endpoint);
            SendWithOffset(producer, consumer, output, new TopicPartitionOffset(tp, 3), commit: true);
            Assert.Equal(3, Committed(group, tp));

            SendWithOffset(producer, consumer, output, new TopicPartitionOffset(tp, 8), commit: false);
            Assert.Equal(3, Committed(group, tp));

            SendWithOffset(producer, consumer, output, new TopicPartitionOffset(tp, 9), commit: true);
            Assert.Equal(9, Committed(group, tp));
            consumer.Close();
        });
    }

    private static void SendWithOffset(IProducer<byte[]?, byte[]?> producer, IConsumer<byte[]?, byte[]?> consumer, string output, TopicPartitionOffset offset, bool commit)
    {
        producer.BeginTransaction();
        producer.Produce(output, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"at-{offset.Offset.Value}") });
        producer.SendOffsetsToTransaction([offset], consumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(30));
        if (commit)
        {
            producer.CommitTransaction(TimeSpan.FromSeconds(30));
        }
        else
        {
            producer.AbortTransaction(TimeSpan.FromSeconds(30));
        }
    }

    private long Committed(string group, TopicPartition tp)
    {
        using var reader = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(broker.BootstrapServers, group)).Build();
        return reader.Committed([tp], TimeSpan.FromSeconds(30)).Single().Offset.Value;
    }
}
