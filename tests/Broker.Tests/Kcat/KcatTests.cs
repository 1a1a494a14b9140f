using System.Text;
using System.Text.Json;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;
using CryptoStreams.Broker.Tests.Suite;

namespace CryptoStreams.Broker.Tests.Kcat;

/// <summary>kcat 1.7 (its own librdkafka, its own process) lists, produces and consumes.</summary>
public sealed class KcatTests(EndpointFixture endpoints) : IClassFixture<EndpointFixture>
{
    [Theory]
    [MemberData(nameof(EndpointKinds.All), MemberType = typeof(EndpointKinds))]
    public async Task Metadata_listing_shows_the_broker_and_the_topic_with_its_partitions(EndpointKind kind)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var topic = ClientConfigs.Unique("kcat-meta");
        await endpoint.CreateTopicAsync(topic, 3);

        var result = await KcatProcess.RunAsync(["-b", endpoint.BootstrapServers, "-L", "-J", "-t", topic, "-m", "20"]);

        Assert.True(result.ExitCode == 0, result.Stderr);
        using var json = JsonDocument.Parse(result.Stdout);
        var brokers = json.RootElement.GetProperty("brokers").EnumerateArray().Select(b => b.GetProperty("name").GetString()!).ToList();
        var broker = Assert.Single(brokers);
        Assert.Equal(endpoint.BootstrapServers, broker);
        var listed = Assert.Single(json.RootElement.GetProperty("topics").EnumerateArray());
        Assert.Equal(topic, listed.GetProperty("topic").GetString());
        Assert.Equal([0, 1, 2], listed.GetProperty("partitions").EnumerateArray().Select(p => p.GetProperty("partition").GetInt32()).Order());
    }

    [Theory]
    [MemberData(nameof(EndpointKinds.All), MemberType = typeof(EndpointKinds))]
    public async Task Records_produced_by_kcat_are_consumed_by_kcat_and_by_Confluent_Kafka(EndpointKind kind)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var topic = ClientConfigs.Unique("kcat-pc");
        await endpoint.CreateTopicAsync(topic, 2);
        var lines = Enumerable.Range(0, 50).Select(i => $"key-{i % 5}:value {i} with spaces").ToList();

        var produce = await KcatProcess.RunAsync(
            ["-b", endpoint.BootstrapServers, "-P", "-t", topic, "-p", "1", "-K", ":", "-H", "source=kcat", "-z", "snappy", "-X", "acks=all"],
            string.Join('\n', lines) + "\n");
        Assert.True(produce.ExitCode == 0, produce.Stderr);

        var consume = await KcatProcess.RunAsync(
            ["-b", endpoint.BootstrapServers, "-C", "-t", topic, "-p", "1", "-o", "beginning", "-e", "-q", "-f", "%o|%k|%s|%h\n"]);
        Assert.True(consume.ExitCode == 0, consume.Stderr);
        Assert.Equal(
            lines.Select((line, i) => $"{i}|{line.Replace(":", "|", StringComparison.Ordinal)}|source=kcat"),
            consume.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        var seenByClient = await Read.AllAsync(endpoint.BootstrapServers, topic, 2);
        Assert.Equal(
            lines.Select((line, i) => (1, (long)i, line[..line.IndexOf(':', StringComparison.Ordinal)], line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..], "source=kcat")),
            seenByClient.Select(r => (r.Partition, r.Offset, r.Key!, r.Value!, r.Headers)));
    }

    [Theory]
    [MemberData(nameof(EndpointKinds.All), MemberType = typeof(EndpointKinds))]
    public async Task Records_produced_by_Confluent_Kafka_are_consumed_by_kcat_as_json(EndpointKind kind)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var topic = ClientConfigs.Unique("kcat-json");
        await endpoint.CreateTopicAsync(topic, 1);
        var start = new DateTime(2026, 5, 6, 7, 8, 9, DateTimeKind.Utc);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(endpoint.BootstrapServers, CompressionType.Zstd)).Build())
        {
            for (var i = 0; i < 20; i++)
            {
                producer.Produce(topic, new Message<byte[]?, byte[]?>
                {
                    Key = Encoding.UTF8.GetBytes($"k{i}"),
                    Value = Encoding.UTF8.GetBytes($"v{i}"),
                    Timestamp = new Timestamp(start.AddSeconds(i), TimestampType.CreateTime),
                });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        var consume = await KcatProcess.RunAsync(["-b", endpoint.BootstrapServers, "-C", "-t", topic, "-o", "beginning", "-e", "-q", "-J"]);

        Assert.True(consume.ExitCode == 0, consume.Stderr);
        var records = consume.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(
            Enumerable.Range(0, 20).Select(i => ((long)i, $"k{i}", $"v{i}", new DateTimeOffset(start.AddSeconds(i)).ToUnixTimeMilliseconds())),
            records.Select(r => (r.GetProperty("offset").GetInt64(), r.GetProperty("key").GetString()!, r.GetProperty("payload").GetString()!, r.GetProperty("ts").GetInt64())));
    }
}
