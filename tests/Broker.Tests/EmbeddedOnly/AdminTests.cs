using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>The admin API as Confluent.Kafka's AdminClient uses it (the mock implements none of these).</summary>
public sealed class AdminTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private IAdminClient Admin() => new AdminClientBuilder(ClientConfigs.Admin(broker.BootstrapServers)).Build();

    [Fact]
    public async Task Created_topic_has_its_partitions_and_configs_and_a_second_create_is_refused()
    {
        using var admin = Admin();
        var topic = ClientConfigs.Unique("created");
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = topic,
            NumPartitions = 3,
            ReplicationFactor = 1,
            Configs = new() { ["cleanup.policy"] = "compact", ["retention.ms"] = "3600000" },
        }]);

        var metadata = admin.GetMetadata(topic, Timeout).Topics.Single();
        Assert.Equal(ErrorCode.NoError, metadata.Error.Code);
        Assert.Equal([0, 1, 2], metadata.Partitions.Select(p => p.PartitionId).Order());

        var configs = await DescribeAsync(admin, topic);
        Assert.Equal("compact", configs["cleanup.policy"]);
        Assert.Equal("3600000", configs["retention.ms"]);

        var again = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, again.Results.Single().Error.Code);
    }

    [Fact]
    public async Task A_replication_factor_above_one_is_refused_with_Kafkas_code_as_a_single_node_must()
    {
        using var admin = Admin();
        var topic = ClientConfigs.Unique("rf3");
        var refused = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 1, ReplicationFactor = 3 }]));
        Assert.Equal(ErrorCode.InvalidReplicationFactor, refused.Results.Single().Error.Code);
        Assert.DoesNotContain(admin.GetMetadata(Timeout).Topics, t => t.Topic == topic);
    }

    [Fact]
    public async Task Altered_config_is_described_with_its_new_value()
    {
        using var admin = Admin();
        var topic = await CreateAsync(admin, 1);
        var resource = new ConfigResource { Type = ResourceType.Topic, Name = topic };
        await admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [resource] = [new ConfigEntry { Name = "retention.ms", Value = "120000" }, new ConfigEntry { Name = "segment.bytes", Value = "1048576" }],
        });

        var configs = await DescribeAsync(admin, topic);
        Assert.Equal("120000", configs["retention.ms"]);
        Assert.Equal("1048576", configs["segment.bytes"]);
    }

    [Fact]
    public async Task Created_partitions_appear_in_metadata_and_accept_records()
    {
        using var admin = Admin();
        var topic = await CreateAsync(admin, 2);
        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 5 }]);

        Assert.Equal(5, admin.GetMetadata(topic, Timeout).Topics.Single().Partitions.Count);
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers)).Build();
        var report = await producer.ProduceAsync(new TopicPartition(topic, 4), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes("in new partition") });
        Assert.Equal(0, report.Offset.Value);

        var shrink = await Assert.ThrowsAsync<CreatePartitionsException>(() => admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = topic, IncreaseTo = 3 }]));
        Assert.Equal(ErrorCode.InvalidPartitions, shrink.Results.Single().Error.Code);
    }

    [Fact]
    public async Task Deleted_records_are_gone_and_the_low_watermark_moves()
    {
        using var admin = Admin();
        var topic = await CreateAsync(admin, 1);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"r{i}") });
            }

            producer.Flush(Timeout);
        }

        var result = await admin.DeleteRecordsAsync([new TopicPartitionOffset(topic, 0, 4)]);
        Assert.Equal(4, result.Single().Offset.Value);

        var remaining = await Read.AllAsync(broker.BootstrapServers, topic, 1);
        Assert.Equal(Enumerable.Range(4, 6).Select(i => $"r{i}"), remaining.Select(r => r.Value));
        Assert.Equal(Enumerable.Range(4, 6).Select(i => (long)i), remaining.Select(r => r.Offset));
    }

    [Fact]
    public async Task Deleted_topic_disappears_from_metadata()
    {
        using var admin = Admin();
        var topic = await CreateAsync(admin, 2);
        var kept = await CreateAsync(admin, 1);
        await admin.DeleteTopicsAsync([topic]);

        await Eventually.HoldsAsync(
            () => admin.GetMetadata(Timeout).Topics.All(t => t.Topic != topic),
            "the deleted topic is no longer listed");
        Assert.Contains(admin.GetMetadata(Timeout).Topics, t => t.Topic == kept);
    }

    [Fact]
    public async Task Groups_are_listed_and_described_with_their_members()
    {
        using var admin = Admin();
        var topic = await CreateAsync(admin, 2);
        var group = ClientConfigs.Unique("listed");
        await using var member = new GroupMember(ClientConfigs.Consumer(broker.BootstrapServers, group), topic);
        await Eventually.HoldsAsync(() => member.Assignment.Count == 2, "the member owns both partitions");

        var listed = await admin.ListConsumerGroupsAsync();
        Assert.Contains(listed.Valid, g => g.GroupId == group && g.State == ConsumerGroupState.Stable);

        var described = (await admin.DescribeConsumerGroupsAsync([group])).ConsumerGroupDescriptions.Single();
        Assert.Equal(ConsumerGroupState.Stable, described.State);
        var only = Assert.Single(described.Members);
        Assert.Equal([0, 1], only.Assignment.TopicPartitions.Where(tp => tp.Topic == topic).Select(tp => tp.Partition.Value).Order());
    }

    private static async Task<string> CreateAsync(IAdminClient admin, int partitions)
    {
        var topic = ClientConfigs.Unique("admin");
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        return topic;
    }

    private static async Task<Dictionary<string, string>> DescribeAsync(IAdminClient admin, string topic)
    {
        var described = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = topic }]);
        return described.Single().Entries.ToDictionary(e => e.Key, e => e.Value.Value);
    }
}
