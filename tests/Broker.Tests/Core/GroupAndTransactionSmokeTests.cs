using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>Real-client checks of groups, transactions and restarts while the broker is built.</summary>
public sealed class GroupAndTransactionSmokeTests
{
    private static BrokerOptions Options(string? dataDirectory = null) =>
        new() { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero, DataDirectory = dataDirectory };

    private static async Task CreateTopic(string bootstrap, string name, int partitions)
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = name, NumPartitions = partitions, ReplicationFactor = 1 }]);
    }

    private static void Produce(string bootstrap, string topic, int count, int start = 0)
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, EnableIdempotence = true }).Build();
        for (var i = start; i < start + count; i++)
        {
            producer.Produce(topic, new Message<string, string> { Key = "k" + i, Value = "v" + i }, r => Assert.False(r.Error.IsError, r.Error.Reason));
        }

        Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
    }

    [Fact]
    public async Task A_subscribed_consumer_commits_and_a_restarted_broker_remembers_records_and_offsets()
    {
        var dir = Path.Combine(Path.GetTempPath(), "broker-restart-" + Guid.NewGuid().ToString("N"));
        try
        {
            var options = Options(dir);
            await using (var broker = await EmbeddedBroker.StartAsync(options))
            {
                await CreateTopic(broker.BootstrapServers, "events", 3);
                Produce(broker.BootstrapServers, "events", 300);
                using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
                {
                    BootstrapServers = broker.BootstrapServers,
                    GroupId = "readers",
                    AutoOffsetReset = AutoOffsetReset.Earliest,
                    EnableAutoCommit = false,
                    SessionTimeoutMs = 6000,
                }).Build();
                consumer.Subscribe("events");
                var seen = 0;
                while (seen < 200)
                {
                    var result = consumer.Consume(TimeSpan.FromSeconds(20));
                    Assert.NotNull(result);
                    seen++;
                }

                consumer.Commit();
                consumer.Close();
            }

            options.Port = 0;
            await using (var broker = await EmbeddedBroker.StartAsync(options))
            {
                Produce(broker.BootstrapServers, "events", 100, start: 300);
                using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
                {
                    BootstrapServers = broker.BootstrapServers,
                    GroupId = "readers",
                    AutoOffsetReset = AutoOffsetReset.Earliest,
                }).Build();
                var committed = consumer.Committed([.. Enumerable.Range(0, 3).Select(p => new TopicPartition("events", p))], TimeSpan.FromSeconds(10));
                var watermarks = Enumerable.Range(0, 3).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition("events", p), TimeSpan.FromSeconds(10))).ToList();
                Assert.Equal(400, watermarks.Sum(w => w.High.Value));
                Assert.Equal(200, committed.Sum(c => c.Offset.Value));
                consumer.Subscribe("events");
                var seen = new List<string>();
                while (seen.Count < 200)
                {
                    var result = consumer.Consume(TimeSpan.FromSeconds(20));
                    Assert.NotNull(result);
                    seen.Add(result.Message.Value);
                }

                // 400 records in total, 200 committed before the restart: exactly the other 200 arrive.
                Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500)));
                Assert.Equal(200, seen.Distinct().Count());
                consumer.Close();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Read_committed_consumers_see_committed_transactions_only()
    {
        await using var broker = await EmbeddedBroker.StartAsync(Options());
        await CreateTopic(broker.BootstrapServers, "txn", 2);
        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig
               {
                   BootstrapServers = broker.BootstrapServers,
                   TransactionalId = "tx-1",
               }).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(20));
            producer.BeginTransaction();
            for (var i = 0; i < 10; i++)
            {
                producer.Produce("txn", new Message<string, string> { Key = "a" + i, Value = "aborted" });
            }

            producer.Flush();
            producer.AbortTransaction(TimeSpan.FromSeconds(20));
            producer.BeginTransaction();
            for (var i = 0; i < 10; i++)
            {
                producer.Produce("txn", new Message<string, string> { Key = "c" + i, Value = "committed" });
            }

            producer.CommitTransaction(TimeSpan.FromSeconds(20));
        }

        using var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "rc",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        consumer.Assign([new TopicPartitionOffset("txn", 0, 0), new TopicPartitionOffset("txn", 1, 0)]);
        var values = new List<string>();
        while (values.Count < 10)
        {
            var result = consumer.Consume(TimeSpan.FromSeconds(20));
            Assert.NotNull(result);
            values.Add(result.Message.Value);
        }

        Assert.All(values, v => Assert.Equal("committed", v));
        Assert.Null(consumer.Consume(TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Two_group_members_split_partitions_and_the_survivor_takes_over()
    {
        await using var broker = await EmbeddedBroker.StartAsync(Options());
        await CreateTopic(broker.BootstrapServers, "split", 4);
        ConsumerConfig Config() => new()
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "pair",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            SessionTimeoutMs = 6000,
        };
        using var first = new ConsumerBuilder<string, string>(Config()).Build();
        using var second = new ConsumerBuilder<string, string>(Config()).Build();
        first.Subscribe("split");
        second.Subscribe("split");
        await Eventually.HoldsAsync(() =>
        {
            first.Consume(TimeSpan.FromMilliseconds(100));
            second.Consume(TimeSpan.FromMilliseconds(100));
            return first.Assignment.Count == 2 && second.Assignment.Count == 2;
        }, "both members own two partitions");
        second.Close();
        await Eventually.HoldsAsync(() =>
        {
            first.Consume(TimeSpan.FromMilliseconds(100));
            return first.Assignment.Count == 4;
        }, "the survivor owns all four partitions", TimeSpan.FromSeconds(20));
    }
}
