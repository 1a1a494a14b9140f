using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.Suite;

/// <summary>
/// Committed and aborted transactions as a read_uncommitted consumer sees them: all data records, with one offset
/// taken by each transaction's control marker. (Filtering for read_committed is in the embedded-broker-only tests:
/// the mock does not enforce it.)
/// </summary>
public sealed class TransactionTests(EndpointFixture endpoints) : IClassFixture<EndpointFixture>
{
    private static readonly DateTime Start = new(2026, 2, 3, 4, 5, 6, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(EndpointKinds.All), MemberType = typeof(EndpointKinds))]
    public async Task Commit_and_abort_leave_data_and_one_control_marker_per_transaction(EndpointKind kind)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var observed = await CommitAbortCommitAsync(endpoint);

        // Three transactions of ten records; each ends with a marker that takes an offset but is never delivered.
        var expected = new[] { "committed-a", "aborted", "committed-b" }
            .SelectMany((label, txn) => Enumerable.Range(0, 10).Select(i => (Offset: (long)((txn * 11) + i), Value: $"{label}-{i}")));
        Assert.Equal(expected, observed.Select(r => (r.Offset, r.Value!)));
    }

    /// <summary>Runs commit, abort, commit of ten records each into a fresh single-partition topic; reads it uncommitted.</summary>
    public static async Task<List<ObservedRecord>> CommitAbortCommitAsync(KafkaEndpoint endpoint, IsolationLevel isolation = IsolationLevel.ReadUncommitted)
    {
        var topic = ClientConfigs.Unique("txn");
        await endpoint.CreateTopicAsync(topic, 1);
        using (var producer = TransactionalProducer(endpoint))
        {
            foreach (var (label, commit) in new[] { ("committed-a", true), ("aborted", false), ("committed-b", true) })
            {
                producer.BeginTransaction();
                for (var i = 0; i < 10; i++)
                {
                    producer.Produce(topic, new Message<byte[]?, byte[]?>
                    {
                        Value = Encoding.UTF8.GetBytes($"{label}-{i}"),
                        // Fixed timestamps keep the observation comparable between endpoints and runs.
                        Timestamp = new Timestamp(Start.AddSeconds(i), TimestampType.CreateTime),
                    });
                }

                if (commit)
                {
                    producer.CommitTransaction(TimeSpan.FromSeconds(30));
                }
                else
                {
                    producer.Flush(TimeSpan.FromSeconds(30));
                    producer.AbortTransaction(TimeSpan.FromSeconds(30));
                }
            }
        }

        return await Read.AllAsync(endpoint.BootstrapServers, topic, 1, isolation);
    }

    public static IProducer<byte[]?, byte[]?> TransactionalProducer(KafkaEndpoint endpoint, string? transactionalId = null)
    {
        var config = ClientConfigs.Producer(endpoint.BootstrapServers, idempotent: true);
        config.TransactionalId = transactionalId ?? ClientConfigs.Unique("tx");
        config.TransactionTimeoutMs = 30_000;
        var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        producer.InitTransactions(TimeSpan.FromSeconds(30));
        return producer;
    }
}
