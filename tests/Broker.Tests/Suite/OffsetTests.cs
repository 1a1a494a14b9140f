using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.Suite;

/// <summary>
/// Committed group offsets and watermarks. (Offsets by timestamp are tested on our broker only: the mock answers
/// every timestamp lookup with "end".)
/// </summary>
public sealed class OffsetTests(EndpointFixture endpoints) : IClassFixture<EndpointFixture>
{
    private static readonly DateTime Start = new(2026, 3, 4, 5, 6, 7, DateTimeKind.Utc);

    [Theory]
    [MemberData(nameof(EndpointKinds.All), MemberType = typeof(EndpointKinds))]
    public async Task Committed_offsets_are_fetched_back_and_a_new_member_resumes_there(EndpointKind kind)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var observation = await CommitAndResumeAsync(endpoint);

        Assert.Equal([5L, 7L, Offset.Unset.Value], observation.Committed);
        // A member of the group starts each partition at its committed offset, or the beginning where none is committed.
        Assert.Equal(
            new[] { (0, 5L), (1, 7L), (2, 0L) },
            observation.FirstOffsetPerPartition);
    }

    [Theory]
    [MemberData(nameof(EndpointKinds.All), MemberType = typeof(EndpointKinds))]
    public async Task Watermarks_span_the_produced_records(EndpointKind kind)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var observation = await OffsetsForTimesAsync(endpoint);

        Assert.Equal((0L, 10L), observation.Watermarks);
    }

    public sealed record CommitObservation(long[] Committed, (int Partition, long Offset)[] FirstOffsetPerPartition);

    public sealed record TimeObservation((long Low, long High) Watermarks, long[] OffsetsForTimes);

    /// <summary>Commits 5 and 7 on partitions 0 and 1 of a 3-partition topic, fetches them, resumes with a new member.</summary>
    public static async Task<CommitObservation> CommitAndResumeAsync(KafkaEndpoint endpoint)
    {
        var topic = ClientConfigs.Unique("commit");
        await endpoint.CreateTopicAsync(topic, 3);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(endpoint.BootstrapServers)).Build())
        {
            for (var i = 0; i < 30; i++)
            {
                producer.Produce(new TopicPartition(topic, i % 3), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes($"r{i}") });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var group = ClientConfigs.Unique("offsets");
        var partitions = Enumerable.Range(0, 3).Select(p => new TopicPartition(topic, p)).ToList();
        return await Task.Run(() =>
        {
            using (var committer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(endpoint.BootstrapServers, group)).Build())
            {
                committer.Commit([new TopicPartitionOffset(topic, 0, 5), new TopicPartitionOffset(topic, 1, 7)]);
                committer.Close();
            }

            using var resumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(endpoint.BootstrapServers, group)).Build();
            var committed = resumer.Committed(partitions, TimeSpan.FromSeconds(30)).OrderBy(tpo => tpo.Partition.Value).Select(tpo => tpo.Offset.Value).ToArray();
            resumer.Subscribe(topic);
            var first = new Dictionary<int, long>();
            var records = Read.UntilEndOfAllPartitions(resumer, 3);
            foreach (var record in records)
            {
                first.TryAdd(record.Partition, record.Offset);
            }

            resumer.Close();
            return new CommitObservation(committed, [.. first.OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value))]);
        });
    }

    /// <summary>Ten records one second apart; looks up offsets for timestamps before, between, on and after them.</summary>
    public static async Task<TimeObservation> OffsetsForTimesAsync(KafkaEndpoint endpoint)
    {
        var topic = ClientConfigs.Unique("times");
        await endpoint.CreateTopicAsync(topic, 1);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(endpoint.BootstrapServers)).Build())
        {
            for (var i = 0; i < 10; i++)
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?>
                {
                    Value = Encoding.UTF8.GetBytes($"t{i}"),
                    Timestamp = new Timestamp(Start.AddSeconds(i), TimestampType.CreateTime),
                });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        var probes = new[] { Start.AddDays(-1), Start, Start.AddMilliseconds(2_500), Start.AddSeconds(3), Start.AddSeconds(9), Start.AddMilliseconds(9_001) };
        return await Task.Run(() =>
        {
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(ClientConfigs.Consumer(endpoint.BootstrapServers, ClientConfigs.Unique("times"))).Build();
            var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(30));
            var offsets = probes
                .Select(t => consumer.OffsetsForTimes([new TopicPartitionTimestamp(topic, 0, new Timestamp(t, TimestampType.CreateTime))], TimeSpan.FromSeconds(30)).Single().Offset.Value)
                .ToArray();
            return new TimeObservation((watermarks.Low.Value, watermarks.High.Value), offsets);
        });
    }
}
