using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.Suite;

/// <summary>An idempotent producer with many batches in flight: every record lands exactly once, in send order.</summary>
public sealed class IdempotenceTests(EndpointFixture endpoints) : IClassFixture<EndpointFixture>
{
    [Theory]
    [MemberData(nameof(EndpointKinds.All), MemberType = typeof(EndpointKinds))]
    public async Task Idempotent_producer_with_five_batches_in_flight_writes_each_record_once_in_order(EndpointKind kind)
    {
        var endpoint = await endpoints.GetAsync(kind);
        var topic = ClientConfigs.Unique("idem");
        const int partitions = 2;
        const int count = 3_000;
        await endpoint.CreateTopicAsync(topic, partitions);

        var config = ClientConfigs.Producer(endpoint.BootstrapServers, idempotent: true);
        config.MaxInFlight = 5;
        config.BatchNumMessages = 20;
        config.LingerMs = 0;
        var offsets = new List<DeliveryResult<byte[]?, byte[]?>>();
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build())
        {
            for (var i = 0; i < count; i++)
            {
                producer.Produce(
                    new TopicPartition(topic, i % partitions),
                    new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(i.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
                    report =>
                    {
                        lock (offsets)
                        {
                            offsets.Add(report);
                        }
                    });
            }

            Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
        }

        Assert.All(offsets, r => Assert.Equal(PersistenceStatus.Persisted, r.Status));
        var observed = await Read.AllAsync(endpoint.BootstrapServers, topic, partitions);
        for (var p = 0; p < partitions; p++)
        {
            var expected = Enumerable.Range(0, count).Where(i => i % partitions == p).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture));
            var inPartition = observed.Where(r => r.Partition == p).ToList();
            Assert.Equal(expected, inPartition.Select(r => r.Value));
            Assert.Equal(Enumerable.Range(0, inPartition.Count).Select(i => (long)i), inPartition.Select(r => r.Offset));
        }

        // The offsets acknowledged to the producer are the offsets the records are stored at.
        Assert.Equal(
            observed.Select(r => (r.Partition, r.Offset, r.Value!)).Order(),
            offsets.Select(r => (r.Partition.Value, r.Offset.Value, Encoding.UTF8.GetString(r.Message.Value!))).Order());
    }
}
