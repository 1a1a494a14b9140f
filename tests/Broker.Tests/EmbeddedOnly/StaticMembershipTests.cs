using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Wire;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>
/// Static membership (KIP-345) as librdkafka's 0102_static_group_rebalance and Apache Kafka expect it: a member that
/// comes back with its group.instance.id gets its partitions back without a rebalance; a second process with the same
/// instance id fences the first; LeaveGroup by instance id; the membership survives a broker restart.
/// </summary>
public sealed class StaticMembershipTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("broker-static-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    private static Task<EmbeddedBroker> StartAsync(int port, string dataDirectory) =>
        EmbeddedBroker.StartAsync(new BrokerOptions { Port = port, DataDirectory = dataDirectory, GroupInitialRebalanceDelay = TimeSpan.Zero });

    private static async Task<string> CreateTopicAsync(string bootstrapServers, int partitions)
    {
        var topic = ClientConfigs.Unique("static");
        using var admin = new AdminClientBuilder(ClientConfigs.Admin(bootstrapServers)).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = partitions, ReplicationFactor = 1 }]);
        return topic;
    }

    private static Task BothAssignedAsync(StaticMember a, StaticMember b, int partitions) =>
        Eventually.HoldsAsync(
            () => a.Assignment.Count > 0 && b.Assignment.Count > 0 && a.Assignment.Count + b.Assignment.Count == partitions,
            "both static members own a share of the partitions");

    private static string Owned(StaticMember member) => string.Join(",", member.Assignment.Select(tp => tp.Partition.Value).Order());

    [Fact]
    public async Task A_restarted_static_member_gets_its_partitions_back_and_the_other_member_sees_no_rebalance()
    {
        await using var broker = await StartAsync(0, _dataDirectory);
        var topic = await CreateTopicAsync(broker.BootstrapServers, 4);
        var group = ClientConfigs.Unique("static-group");
        var a = new StaticMember(broker.BootstrapServers, group, "instance-a", topic);
        var b = new StaticMember(broker.BootstrapServers, group, "instance-b", topic);
        try
        {
            await BothAssignedAsync(a, b, 4);

            // Restart each in turn, so the group's leader (the first to join) is among the restarted.
            foreach (var restart in new[] { "b", "a" })
            {
                var (gone, other) = restart == "b" ? (b, a) : (a, b);
                var owned = Owned(gone);
                var otherRevocations = other.Revocations;
                await gone.DisposeAsync();
                var back = new StaticMember(broker.BootstrapServers, group, $"instance-{restart}", topic);
                if (restart == "b")
                {
                    b = back;
                }
                else
                {
                    a = back;
                }

                await Eventually.HoldsAsync(() => back.Assignment.Count > 0, $"restarted member {restart} is assigned again");
                Assert.Equal(owned, Owned(back));
                Assert.Equal(otherRevocations, other.Revocations);
                Assert.Equal(0, back.Revocations);
            }
        }
        finally
        {
            await a.DisposeAsync();
            await b.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_second_process_with_the_same_instance_id_fences_the_first()
    {
        await using var broker = await StartAsync(0, _dataDirectory);
        var topic = await CreateTopicAsync(broker.BootstrapServers, 2);
        var group = ClientConfigs.Unique("fenced-group");
        await using var first = new StaticMember(broker.BootstrapServers, group, "instance-x", topic);
        await Eventually.HoldsAsync(() => first.Assignment.Count == 2, "the first instance owns both partitions");

        await using var second = new StaticMember(broker.BootstrapServers, group, "instance-x", topic);
        await Eventually.HoldsAsync(() => second.Assignment.Count == 2, "the second instance took over the slot");
        await Eventually.HoldsAsync(() => first.Fatal is not null, "the first instance is told it was fenced");
        Assert.Equal(ErrorCode.FencedInstanceId, first.Fatal!.Code);
    }

    [Fact]
    public async Task LeaveGroup_by_instance_id_removes_the_static_member_and_the_other_takes_its_partitions()
    {
        await using var broker = await StartAsync(0, _dataDirectory);
        var topic = await CreateTopicAsync(broker.BootstrapServers, 2);
        var group = ClientConfigs.Unique("leave-group");
        await using var a = new StaticMember(broker.BootstrapServers, group, "instance-a", topic);
        var b = new StaticMember(broker.BootstrapServers, group, "instance-b", topic);
        await BothAssignedAsync(a, b, 2);
        await b.DisposeAsync(); // a static member's close sends no LeaveGroup: b still holds its slot

        // What kafka-consumer-groups --delete-members / AdminClient.removeMembersFromConsumerGroup send: LeaveGroup v3.
        using var connection = await RawConnection.OpenAsync(broker.BootstrapServers);
        await connection.SendAsync(Requests.Frame(13, 3, 1, w => w
            .String(group)
            .Array(new[] { ("", "instance-b"), ("stale-member-id", "instance-a") }, (m, member) => m.String(member.Item1).String(member.Item2))));
        var response = await connection.ReceiveAsync();
        Assert.Equal(1, response.Int32()); // correlation id
        Assert.Equal(0, response.Int32()); // throttle
        Assert.Equal(0, response.Int16());
        Assert.Equal(2, response.Int32());
        Assert.Equal(("", "instance-b", (short)0), (response.String(), response.String(), response.Int16()));
        Assert.Equal(("stale-member-id", "instance-a", (short)82), (response.String(), response.String(), response.Int16())); // FENCED_INSTANCE_ID

        await Eventually.HoldsAsync(() => a.Assignment.Count == 2, "the remaining member owns both partitions without waiting for b's session timeout");
    }

    [Fact]
    public async Task Static_membership_survives_a_broker_restart_without_a_rebalance()
    {
        var port = FreePort.Next();
        var broker = await StartAsync(port, _dataDirectory);
        var topic = await CreateTopicAsync(broker.BootstrapServers, 2);
        var group = ClientConfigs.Unique("restart-group");
        await using var a = new StaticMember(broker.BootstrapServers, group, "instance-a", topic);
        await using var b = new StaticMember(broker.BootstrapServers, group, "instance-b", topic);
        try
        {
            await BothAssignedAsync(a, b, 2);
            var (revokedA, revokedB) = (a.Revocations, b.Revocations);
            await broker.DisposeAsync();
            broker = await StartAsync(port, _dataDirectory);

            using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers)).Build())
            {
                foreach (var partition in new[] { 0, 1 })
                {
                    await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes("after restart") });
                }
            }

            await Eventually.HoldsAsync(() => a.Received == 1 && b.Received == 1, "both members consume again after the restart", Timeout);
            Assert.Equal((revokedA, revokedB), (a.Revocations, b.Revocations));
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }
}
