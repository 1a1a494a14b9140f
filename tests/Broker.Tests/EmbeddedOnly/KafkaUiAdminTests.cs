using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Wire;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>
/// The admin calls Kafka UIs (kafbat kafka-ui, Redpanda Console, AKHQ) make on connect and on their topic, consumer
/// and broker pages. Confluent.Kafka's AdminClient is used where it exposes the call; the rest (DescribeLogDirs,
/// partition reassignments, producers, transactions, quotas) are sent as hand-built frames, since no .NET client
/// has them, and decoded field by field as the protocol guide defines them.
/// </summary>
public sealed class KafkaUiAdminTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>
{
    private const short DescribeLogDirs = 35;
    private const short AlterPartitionReassignments = 45;
    private const short ListPartitionReassignments = 46;
    private const short DescribeClientQuotas = 48;
    private const short DescribeProducers = 61;
    private const short DescribeTransactions = 65;
    private const short ListTransactions = 66;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Every_admin_api_a_Kafka_UI_calls_is_advertised_by_ApiVersions()
    {
        using var connection = await RawConnection.OpenAsync(broker.BootstrapServers);
        await connection.SendAsync(Requests.ApiVersionsV0(1));
        var response = await connection.ReceiveAsync();
        Assert.Equal(1, response.Int32());
        Assert.Equal(0, response.Int16());
        var advertised = response.Array(r => (Key: r.Int16(), Min: r.Int16(), Max: r.Int16())).ToDictionary(a => a.Key);

        // DescribeConfigs, DescribeAcls, DescribeLogDirs, IncrementalAlterConfigs, the reassignments, OffsetDelete,
        // DescribeClientQuotas, DescribeCluster, DescribeProducers, DescribeTransactions, ListTransactions.
        short[] uiApis = [32, 29, 35, 44, 45, 46, 47, 48, 60, 61, 65, 66];
        Assert.All(uiApis, key => Assert.True(advertised.ContainsKey(key), $"API {key} is not advertised"));
    }

    [Fact]
    public async Task DescribeLogDirs_gives_each_partition_its_size_on_disk()
    {
        var topic = await CreateAsync(partitions: 2);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                producer.Produce(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"record {i}") });
            }

            producer.Flush(Timeout);
        }

        // v1 (non-flexible, what AKHQ sends) and v4 (flexible, with the volume's sizes, what kafka-ui sends).
        foreach (var version in new short[] { 1, 4 })
        {
            var flexible = version >= 2;
            using var connection = await RawConnection.OpenAsync(broker.BootstrapServers);
            await connection.SendAsync(flexible
                ? Requests.FlexibleFrame(DescribeLogDirs, version, 7, w => w.CompactArray([topic], (wt, t) => wt.CompactString(t).CompactArray([0, 1], (wp, p) => wp.Int32(p)).NoTags()))
                : Requests.Frame(DescribeLogDirs, version, 7, w => w.Array([topic], (wt, t) => wt.String(t).Array([0, 1], (wp, p) => wp.Int32(p)))));
            var response = await connection.ReceiveAsync();
            Assert.Equal(7, response.Int32());
            if (flexible)
            {
                response.NoTags();
            }

            Assert.Equal(0, response.Int32()); // throttle
            if (version >= 3)
            {
                Assert.Equal(0, response.Int16());
            }

            var directory = Assert.Single(Read(response, flexible, r =>
            {
                var error = r.Int16();
                var path = flexible ? r.CompactString() : r.String();
                var topics = Read(r, flexible, rt =>
                {
                    var name = flexible ? rt.CompactString() : rt.String();
                    var sizes = Read(rt, flexible, rp =>
                    {
                        var partition = (Index: rp.Int32(), Size: rp.Int64(), Lag: rp.Int64(), Future: rp.Bool());
                        EndOf(rp, flexible);
                        return partition;
                    });
                    EndOf(rt, flexible);
                    return (Name: name, Sizes: sizes);
                });
                var (total, usable) = version >= 4 ? (r.Int64(), r.Int64()) : (-1L, -1L);
                EndOf(r, flexible);
                return (Error: error, Path: path, Topics: topics, Total: total, Usable: usable);
            }));

            Assert.Equal(0, directory.Error);
            Assert.False(string.IsNullOrEmpty(directory.Path));
            var sizes = Assert.Single(directory.Topics, t => t.Name == topic).Sizes.ToDictionary(p => p.Index);
            Assert.True(sizes[0].Size > 20 * "record 0".Length, $"partition 0 holds 20 records but its size is {sizes[0].Size} B (v{version})");
            Assert.Equal(0, sizes[1].Size);
            Assert.All(sizes.Values, p => Assert.Equal(0, p.Lag));
            if (version >= 4)
            {
                Assert.True(directory.Total > 0 && directory.Usable > 0 && directory.Usable <= directory.Total, $"volume {directory.Usable} of {directory.Total} B");
            }
        }
    }

    [Fact]
    public async Task Reassignments_are_empty_and_only_the_single_node_itself_can_be_assigned()
    {
        var topic = await CreateAsync(partitions: 1);
        using var connection = await RawConnection.OpenAsync(broker.BootstrapServers);

        await connection.SendAsync(Requests.FlexibleFrame(ListPartitionReassignments, 0, 1, w => w.Int32(30_000).CompactArray<string>(null, (_, _) => { })));
        var listed = await connection.ReceiveAsync();
        Assert.Equal(1, listed.Int32());
        listed.NoTags();
        Assert.Equal(0, listed.Int32());
        Assert.Equal(0, listed.Int16());
        Assert.Null(listed.CompactString());
        Assert.Empty(listed.CompactArray(r => r.Int8()));

        int[] self = [0];
        int[] elsewhere = [0, 1, 2];
        await connection.SendAsync(Requests.FlexibleFrame(AlterPartitionReassignments, 0, 2, w => w
            .Int32(30_000)
            .CompactArray([topic], (wt, t) => wt.CompactString(t).CompactArray([(0, self), (0, elsewhere), (5, self)], (wp, p) => wp.Int32(p.Item1).CompactArray(p.Item2, (wr, r) => wr.Int32(r)).NoTags()).NoTags())));
        var altered = await connection.ReceiveAsync();
        Assert.Equal(2, altered.Int32());
        altered.NoTags();
        Assert.Equal(0, altered.Int32());
        Assert.Equal(0, altered.Int16());
        Assert.Null(altered.CompactString());
        var results = Assert.Single(altered.CompactArray(rt =>
        {
            var name = rt.CompactString();
            var partitions = rt.CompactArray(rp =>
            {
                var result = (Index: rp.Int32(), Error: rp.Int16(), Message: rp.CompactString());
                rp.NoTags();
                return result;
            });
            rt.NoTags();
            return (Name: name, Partitions: partitions);
        }));

        Assert.Equal(topic, results.Name);
        Assert.Equal([(short)0, (short)39, (short)3], results.Partitions.Select(p => p.Error)); // NONE, INVALID_REPLICA_ASSIGNMENT, UNKNOWN_TOPIC_OR_PARTITION
        Assert.Contains("cannot be assigned", results.Partitions[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DescribeProducers_lists_the_idempotent_producer_with_its_last_sequence()
    {
        var topic = await CreateAsync(partitions: 1);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers, idempotent: true)).Build())
        {
            for (var i = 0; i < 5; i++)
            {
                await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"r{i}") });
            }
        }

        using var connection = await RawConnection.OpenAsync(broker.BootstrapServers);
        await connection.SendAsync(Requests.FlexibleFrame(DescribeProducers, 0, 3, w => w.CompactArray([topic], (wt, t) => wt.CompactString(t).CompactArray([0, 9], (wp, p) => wp.Int32(p)).NoTags())));
        var response = await connection.ReceiveAsync();
        Assert.Equal(3, response.Int32());
        response.NoTags();
        Assert.Equal(0, response.Int32());
        var described = Assert.Single(response.CompactArray(rt =>
        {
            var name = rt.CompactString();
            var partitions = rt.CompactArray(rp =>
            {
                var index = rp.Int32();
                var error = rp.Int16();
                rp.CompactString();
                var producers = rp.CompactArray(pr =>
                {
                    var state = (ProducerId: pr.Int64(), Epoch: pr.Int32(), LastSequence: pr.Int32(), LastTimestamp: pr.Int64(), CoordinatorEpoch: pr.Int32(), TransactionStart: pr.Int64());
                    pr.NoTags();
                    return state;
                });
                rp.NoTags();
                return (Index: index, Error: error, Producers: producers);
            });
            rt.NoTags();
            return (Name: name, Partitions: partitions);
        }));

        Assert.Equal(topic, described.Name);
        var known = described.Partitions.Single(p => p.Index == 0);
        Assert.Equal(0, known.Error);
        var state = Assert.Single(known.Producers);
        Assert.True(state.ProducerId >= 0);
        Assert.Equal(4, state.LastSequence);
        Assert.Equal(-1, state.TransactionStart);
        Assert.Equal(3, described.Partitions.Single(p => p.Index == 9).Error); // UNKNOWN_TOPIC_OR_PARTITION
    }

    [Fact]
    public async Task Transactions_are_listed_by_state_and_described_with_their_partitions()
    {
        var topic = await CreateAsync(partitions: 2);
        var committedId = ClientConfigs.Unique("ui-txn-done");
        var openId = ClientConfigs.Unique("ui-txn-open");
        using var committed = Transactional(committedId);
        committed.BeginTransaction();
        await committed.ProduceAsync(new TopicPartition(topic, 0), new Message<byte[]?, byte[]?> { Value = "c"u8.ToArray() });
        committed.CommitTransaction(Timeout);
        using var open = Transactional(openId);
        open.BeginTransaction();
        await open.ProduceAsync(new TopicPartition(topic, 1), new Message<byte[]?, byte[]?> { Value = "o"u8.ToArray() });

        try
        {
            using var connection = await RawConnection.OpenAsync(broker.BootstrapServers);
            await connection.SendAsync(Requests.FlexibleFrame(ListTransactions, 0, 4, w => w.CompactArray(["Ongoing"], (ws, s) => ws.CompactString(s)).CompactArray<long>([], (_, _) => { })));
            var listed = await connection.ReceiveAsync();
            Assert.Equal(4, listed.Int32());
            listed.NoTags();
            Assert.Equal(0, listed.Int32());
            Assert.Equal(0, listed.Int16());
            Assert.Empty(listed.CompactArray(r => r.CompactString()));
            var ongoing = listed.CompactArray(r =>
            {
                var transaction = (Id: r.CompactString(), ProducerId: r.Int64(), State: r.CompactString());
                r.NoTags();
                return transaction;
            });
            Assert.Contains(ongoing, t => t.Id == openId && t.State == "Ongoing");
            Assert.DoesNotContain(ongoing, t => t.Id == committedId);

            await connection.SendAsync(Requests.FlexibleFrame(DescribeTransactions, 0, 5, w => w.CompactArray([openId, committedId, "no-such-id"], (wi, id) => wi.CompactString(id))));
            var described = await connection.ReceiveAsync();
            Assert.Equal(5, described.Int32());
            described.NoTags();
            Assert.Equal(0, described.Int32());
            var states = described.CompactArray(r =>
            {
                var error = r.Int16();
                var id = r.CompactString();
                var state = r.CompactString();
                r.Int32(); // timeout
                r.Int64(); // start
                r.Int64(); // producer id
                r.Int16(); // epoch
                var partitions = r.CompactArray(rt =>
                {
                    var name = rt.CompactString();
                    var indexes = rt.CompactArray(rp => rp.Int32());
                    rt.NoTags();
                    return (Name: name, Indexes: indexes);
                });
                r.NoTags();
                return (Error: error, Id: id, State: state, Partitions: partitions);
            });

            Assert.Equal([openId, committedId, "no-such-id"], states.Select(s => s.Id));
            Assert.Equal("Ongoing", states[0].State);
            Assert.Equal([1], Assert.Single(states[0].Partitions, p => p.Name == topic).Indexes);
            Assert.Equal("CompleteCommit", states[1].State);
            Assert.Equal(105, states[2].Error); // TRANSACTIONAL_ID_NOT_FOUND
        }
        finally
        {
            open.AbortTransaction(Timeout);
        }
    }

    [Fact]
    public async Task Client_quotas_are_described_as_none()
    {
        using var connection = await RawConnection.OpenAsync(broker.BootstrapServers);
        await connection.SendAsync(Requests.Frame(DescribeClientQuotas, 0, 6, w => w.Array<int>([], (_, _) => { }).Int8(0)));
        var response = await connection.ReceiveAsync();
        Assert.Equal(6, response.Int32());
        Assert.Equal(0, response.Int32());
        Assert.Equal(0, response.Int16());
        Assert.Null(response.String());
        Assert.Empty(response.Array(r => r.Int8()));
    }

    [Fact]
    public async Task The_broker_resource_describes_its_settings_under_Kafkas_names()
    {
        using var admin = Admin();
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Broker, Name = "0" }]);
        var entries = described.Single().Entries;
        Assert.Equal("0", entries["broker.id"].Value);
        Assert.True(entries.ContainsKey("inter.broker.protocol.version"), "kafka-ui reads inter.broker.protocol.version to choose its admin calls");
    }

    [Fact]
    public async Task IncrementalAlterConfigs_sets_and_deletes_single_entries_leaving_the_others()
    {
        using var admin = Admin();
        var topic = await CreateAsync(partitions: 1, configs: new() { ["retention.ms"] = "3600000", ["segment.bytes"] = "1048576" });
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };
        await admin.IncrementalAlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] =
            [
                new ConfigEntry { Name = "retention.ms", Value = "120000", IncrementalOperation = AlterConfigOpType.Set },
                new ConfigEntry { Name = "segment.bytes", IncrementalOperation = AlterConfigOpType.Delete },
            ],
        });

        var entries = (await admin.DescribeConfigsAsync([resource])).Single().Entries;
        Assert.Equal("120000", entries["retention.ms"].Value);
        Assert.False(entries["retention.ms"].IsDefault);
        Assert.True(entries["segment.bytes"].IsDefault, "the deleted override falls back to the default");
    }

    [Fact]
    public async Task OffsetDelete_removes_a_committed_offset_of_an_empty_group()
    {
        using var admin = Admin();
        var topic = await CreateAsync(partitions: 2);
        var group = ClientConfigs.Unique("ui-offsets");
        using (var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(broker.BootstrapServers, group)).Build())
        {
            consumer.Commit([new TopicPartitionOffset(topic, 0, 3), new TopicPartitionOffset(topic, 1, 5)]);
        }

        var deleted = await admin.DeleteConsumerGroupOffsetsAsync(group, [new TopicPartition(topic, 0)]);
        Assert.Equal(group, deleted.Group);

        var remaining = (await admin.ListConsumerGroupOffsetsAsync([new ConsumerGroupTopicPartitions(group, [new TopicPartition(topic, 0), new TopicPartition(topic, 1)])])).Single();
        var offsets = remaining.Partitions.ToDictionary(p => p.Partition.Value, p => p.Offset);
        Assert.Equal(Offset.Unset, offsets[0]);
        Assert.Equal(5, offsets[1].Value);
    }

    private static List<T> Read<T>(ResponseReader reader, bool flexible, Func<ResponseReader, T> read) =>
        flexible ? reader.CompactArray(read) : reader.Array(read);

    private static void EndOf(ResponseReader reader, bool flexible)
    {
        if (flexible)
        {
            reader.NoTags();
        }
    }

    private IAdminClient Admin() => new AdminClientBuilder(ClientConfigs.Admin(broker.BootstrapServers)).Build();

    private IProducer<byte[]?, byte[]?> Transactional(string transactionalId)
    {
        var config = ClientConfigs.Producer(broker.BootstrapServers, idempotent: true);
        config.TransactionalId = transactionalId;
        var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        producer.InitTransactions(Timeout);
        return producer;
    }

    private async Task<string> CreateAsync(int partitions, Dictionary<string, string>? configs = null)
    {
        using var admin = Admin();
        var topic = ClientConfigs.Unique("ui");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1, Configs = configs }]);
        return topic;
    }
}
