using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Suite;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>read_committed consumers never see aborted or still-open transactional data (the mock does not filter).</summary>
public sealed class ReadCommittedTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>
{
    [Fact]
    public async Task Read_committed_skips_aborted_records()
    {
        var observed = await TransactionTests.CommitAbortCommitAsync(broker.Endpoint, IsolationLevel.ReadCommitted);

        var expected = new[] { (0, "committed-a"), (2, "committed-b") }
            .SelectMany(t => Enumerable.Range(0, 10).Select(i => (Offset: (long)((t.Item1 * 11) + i), Value: $"{t.Item2}-{i}")));
        Assert.Equal(expected, observed.Select(r => (r.Offset, r.Value!)));
    }

    [Fact]
    public async Task An_open_transaction_holds_back_read_committed_consumers_until_it_commits()
    {
        var topic = ClientConfigs.Unique("lso");
        await broker.Endpoint.CreateTopicAsync(topic, 1);
        using var plain = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers)).Build();
        using var transactional = TransactionTests.TransactionalProducer(broker.Endpoint);

        await ProduceAsync(plain, topic, "before", 3);
        transactional.BeginTransaction();
        for (var i = 0; i < 5; i++)
        {
            transactional.Produce(topic, Value($"open-{i}"));
        }

        transactional.Flush(TimeSpan.FromSeconds(30));
        // Non-transactional records after the open transaction's first record are behind the last stable offset too.
        await ProduceAsync(plain, topic, "after", 3);

        var uncommitted = await Read.AllAsync(broker.BootstrapServers, topic, 1, IsolationLevel.ReadUncommitted);
        Assert.Equal(11, uncommitted.Count);
        var whileOpen = await Read.AllAsync(broker.BootstrapServers, topic, 1, IsolationLevel.ReadCommitted);
        Assert.Equal(["before-0", "before-1", "before-2"], whileOpen.Select(r => r.Value));

        transactional.CommitTransaction(TimeSpan.FromSeconds(30));
        var afterCommit = await Read.AllAsync(broker.BootstrapServers, topic, 1, IsolationLevel.ReadCommitted);
        Assert.Equal(
            [.. Enumerable.Range(0, 3).Select(i => $"before-{i}"), .. Enumerable.Range(0, 5).Select(i => $"open-{i}"), .. Enumerable.Range(0, 3).Select(i => $"after-{i}")],
            afterCommit.Select(r => r.Value));
        Assert.Equal(Enumerable.Range(0, 11).Select(i => (long)i), afterCommit.Select(r => r.Offset));
    }

    private static Message<byte[]?, byte[]?> Value(string text) => new() { Value = Encoding.UTF8.GetBytes(text) };

    private static async Task ProduceAsync(IProducer<byte[]?, byte[]?> producer, string topic, string label, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await producer.ProduceAsync(topic, Value($"{label}-{i}"));
        }
    }
}
