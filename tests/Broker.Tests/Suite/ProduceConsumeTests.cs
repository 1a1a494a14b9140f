using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.Suite;

/// <summary>Records go in with every codec and come back identical: key, value, headers, timestamp, order, offsets.</summary>
public sealed class ProduceConsumeTests(EndpointFixture endpoints) : IClassFixture<EndpointFixture>
{
    public static TheoryData<EndpointKind, CompressionType> KindsAndCodecs()
    {
        var data = new TheoryData<EndpointKind, CompressionType>();
        foreach (var kind in KafkaEndpoint.AllKinds)
        {
            foreach (var codec in new[] { CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd })
            {
                data.Add(kind, codec);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(KindsAndCodecs))]
    public async Task Every_record_comes_back_as_produced_in_order(EndpointKind kind, CompressionType codec)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var observed = await ProduceAndReadBackAsync(endpoint, codec);
        var expected = SampleRecords.Expected(codec);

        Assert.Equal(expected.Count, observed.Count);
        foreach (var partition in observed.GroupBy(r => r.Partition))
        {
            // Offsets are dense from zero, and order within a partition is the order of production.
            Assert.Equal(Enumerable.Range(0, partition.Count()).Select(i => (long)i), partition.Select(r => r.Offset));
            Assert.Equal(
                expected.Where(e => e.Partition == partition.Key).Select(e => (e.Key, e.Value, e.TimestampMs, e.Headers)),
                partition.Select(r => (r.Key, r.Value, r.TimestampMs, r.Headers)));
        }

        Assert.All(observed, r => Assert.Equal(TimestampType.CreateTime, r.TimestampType));
    }

    /// <summary>Produces <see cref="SampleRecords"/> into a fresh topic and reads the whole topic back.</summary>
    public static async Task<List<ObservedRecord>> ProduceAndReadBackAsync(KafkaEndpoint endpoint, CompressionType codec)
    {
        var topic = ClientConfigs.Unique("codec-" + codec.ToString().ToLowerInvariant());
        await endpoint.CreateTopicAsync(topic, SampleRecords.Partitions);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(endpoint.BootstrapServers, codec, idempotent: true)).Build())
        {
            foreach (var record in SampleRecords.All(codec))
            {
                producer.Produce(new TopicPartition(topic, record.Partition), record.Message);
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        return await Read.AllAsync(endpoint.BootstrapServers, topic, SampleRecords.Partitions);
    }
}

/// <summary>
/// A fixed mix of records that exercises the record format: null and empty keys and values, repeated and empty
/// headers, timestamps before and after the epoch's typical range, values large and repetitive enough to compress.
/// </summary>
public static class SampleRecords
{
    public const int Partitions = 3;
    private const int Count = 150;
    private static readonly DateTime Start = new(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc);

    public sealed record Sample(int Partition, Message<byte[]?, byte[]?> Message);

    public static IEnumerable<Sample> All(CompressionType codec)
    {
        for (var i = 0; i < Count; i++)
        {
            var key = (i % 10) switch
            {
                0 => null,
                1 => [],
                _ => Encoding.UTF8.GetBytes($"asset-{i % 7}"),
            };
            var value = (i % 25) switch
            {
                3 => null,
                4 => [],
                _ => Encoding.UTF8.GetBytes($"{{\"seq\":{i},\"codec\":\"{codec}\",\"pad\":\"{new string((char)('a' + (i % 26)), 40 + (i % 90))}\"}}"),
            };
            var headers = new Headers();
            if (i % 3 != 0)
            {
                headers.Add("seq", Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                headers.Add("dup", Encoding.UTF8.GetBytes("first"));
                headers.Add("dup", Encoding.UTF8.GetBytes("second"));
            }

            if (i % 11 == 0)
            {
                headers.Add("empty", []);
            }

            var timestamp = new Timestamp(Start.AddMilliseconds(i * 137L), TimestampType.CreateTime);
            yield return new Sample(i % Partitions, new Message<byte[]?, byte[]?> { Key = key, Value = value, Headers = headers, Timestamp = timestamp });
        }
    }

    /// <summary>What a consumer must see for <see cref="All"/>, computed from the inputs alone.</summary>
    public static List<ObservedRecord> Expected(CompressionType codec) =>
        [.. All(codec).Select(s => new ObservedRecord(
            s.Partition,
            -1,
            s.Message.Key is null ? null : Encoding.UTF8.GetString(s.Message.Key),
            s.Message.Value is null ? null : Encoding.UTF8.GetString(s.Message.Value),
            s.Message.Timestamp.UnixTimestampMs,
            TimestampType.CreateTime,
            ObservedRecord.HeaderText(s.Message.Headers)))];
}
