using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.Suite;

/// <summary>Two members split the partitions; when one leaves, the other takes all of them over and keeps consuming.</summary>
public sealed class ConsumerGroupTests(EndpointFixture endpoints) : IClassFixture<EndpointFixture>
{
    private const int Partitions = 4;

    public static TheoryData<EndpointKind, string> KindsAndAssignors()
    {
        var data = new TheoryData<EndpointKind, string>();
        foreach (var kind in KafkaEndpoint.AllKinds)
        {
            data.Add(kind, "range");
            data.Add(kind, "cooperative-sticky");
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndAssignors))]
    public async Task Two_members_split_partitions_and_the_survivor_takes_over(EndpointKind kind, string assignor)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var topic = ClientConfigs.Unique("group");
        await endpoint.CreateTopicAsync(topic, Partitions);
        var config = ClientConfigs.Consumer(endpoint.BootstrapServers, ClientConfigs.Unique("g"));
        config.Set("partition.assignment.strategy", assignor);

        await using var first = new GroupMember(config, topic);
        await using var second = new GroupMember(config, topic);
        await Eventually.HoldsAsync(
            () => first.Assignment.Count == Partitions / 2 && second.Assignment.Count == Partitions / 2
                && first.Assignment.Concat(second.Assignment).Select(tp => tp.Partition.Value).Distinct().Count() == Partitions,
            "both members own two distinct partitions each");

        using var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(endpoint.BootstrapServers)).Build();
        var beforeLeave = await ProduceAsync(producer, topic, "before", 40);
        await Eventually.HoldsAsync(
            () => Values(first).Concat(Values(second)).ToHashSet().IsSupersetOf(beforeLeave),
            "the two members together received every record");
        Assert.All(first.Received, r => Assert.Contains(first.Assignment, tp => tp.Partition.Value == r.Partition));

        await second.StopAsync();
        await Eventually.HoldsAsync(() => first.Assignment.Count == Partitions, "the remaining member owns every partition");

        var afterLeave = await ProduceAsync(producer, topic, "after", 40);
        await Eventually.HoldsAsync(() => Values(first).ToHashSet().IsSupersetOf(afterLeave), "the remaining member received every later record");
    }

    private static IEnumerable<string> Values(GroupMember member) => member.Received.Select(r => r.Value!);

    private static async Task<List<string>> ProduceAsync(IProducer<byte[]?, byte[]?> producer, string topic, string label, int count)
    {
        var values = Enumerable.Range(0, count).Select(i => $"{label}-{i}").ToList();
        for (var i = 0; i < count; i++)
        {
            await producer.ProduceAsync(new TopicPartition(topic, i % Partitions), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(values[i]) });
        }

        return values;
    }
}
