using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>Admin operations through the real AdminClient.</summary>
public sealed class AdminSmokeTests
{
    [Fact]
    public async Task Admin_operations_round_trip()
    {
        await using var broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync([new TopicSpecification
        {
            Name = "changelog", NumPartitions = 2, ReplicationFactor = 1,
            Configs = new Dictionary<string, string> { ["cleanup.policy"] = "compact", ["retention.ms"] = "1000" },
        }]);
        var duplicate = await Assert.ThrowsAsync<CreateTopicsException>(() => admin.CreateTopicsAsync([new TopicSpecification { Name = "changelog", NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicAlreadyExists, duplicate.Results[0].Error.Code);

        var cluster = await admin.DescribeClusterAsync();
        Assert.Single(cluster.Nodes);
        Assert.Equal(cluster.Nodes[0].Id, cluster.Controller.Id);

        var described = await admin.DescribeTopicsAsync(TopicCollection.OfTopicNames(["changelog"]));
        Assert.Equal(2, described.TopicDescriptions[0].Partitions.Count);

        var configs = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "changelog" }]);
        Assert.Equal("compact", configs[0].Entries["cleanup.policy"].Value);
        Assert.False(configs[0].Entries["cleanup.policy"].IsDefault);

        await admin.AlterConfigsAsync(new Dictionary<ConfigResource, List<ConfigEntry>>
        {
            [new ConfigResource { Type = ResourceType.Topic, Name = "changelog" }] = [new ConfigEntry { Name = "retention.ms", Value = "5000" }],
        });
        configs = await admin.DescribeConfigsAsync([new ConfigResource { Type = ResourceType.Topic, Name = "changelog" }]);
        Assert.Equal("5000", configs[0].Entries["retention.ms"].Value);

        await admin.CreatePartitionsAsync([new PartitionsSpecification { Topic = "changelog", IncreaseTo = 3 }]);
        Assert.Equal(3, admin.GetMetadata("changelog", TimeSpan.FromSeconds(5)).Topics[0].Partitions.Count);

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                await producer.ProduceAsync(new TopicPartition("changelog", 0), new Message<string, string> { Key = "k", Value = "v" + i });
            }
        }

        var deleted = await admin.DeleteRecordsAsync([new TopicPartitionOffset("changelog", 0, 4)]);
        Assert.Equal(4, deleted[0].Offset.Value);
        var offsets = await admin.ListOffsetsAsync([new TopicPartitionOffsetSpec { TopicPartition = new TopicPartition("changelog", 0), OffsetSpec = OffsetSpec.Earliest() }]);
        Assert.Equal(4, offsets.ResultInfos[0].TopicPartitionOffsetError.Offset.Value);

        using (var consumer = new ConsumerBuilder<string, string>(new ConsumerConfig { BootstrapServers = broker.BootstrapServers, GroupId = "lister", AutoOffsetReset = AutoOffsetReset.Earliest }).Build())
        {
            consumer.Subscribe("changelog");
            Assert.NotNull(consumer.Consume(TimeSpan.FromSeconds(20)));
            var groups = await admin.ListConsumerGroupsAsync();
            Assert.Contains(groups.Valid, g => g.GroupId == "lister");
            var description = await admin.DescribeConsumerGroupsAsync(["lister"]);
            Assert.Single(description.ConsumerGroupDescriptions[0].Members);
            consumer.Close();
        }

        await admin.DeleteTopicsAsync(["changelog"]);
        Assert.DoesNotContain(admin.GetMetadata(TimeSpan.FromSeconds(5)).Topics, t => t.Topic == "changelog");
    }
}
