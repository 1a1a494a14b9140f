using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;
using CryptoStreams.Broker.Tests.Wire;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>
/// A producer retry, made exact: the same idempotent batch sent twice is stored once and both answers carry its
/// offset; a sequence gap is refused. Raw frames, because a client library will not resend on request. (Embedded
/// broker only: librdkafka's mock stored the resent batch a second time, at offset 3, and accepted the gap.)
/// </summary>
public sealed class RawIdempotenceTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>
{
    private const short OutOfOrderSequenceNumber = 45;

    [Fact]
    public async Task A_resent_batch_is_stored_once_and_a_sequence_gap_is_refused()
    {
        var observation = await ResendAsync(broker.Endpoint);

        Assert.Equal((0, 0L), observation.First);
        Assert.Equal((0, 0L), observation.Duplicate);
        Assert.Equal((0, 3L), observation.Next);
        Assert.Equal(OutOfOrderSequenceNumber, observation.Gap.Error);
        Assert.Equal(["a", "b", "c", "d", "e"], observation.Stored);
    }

    public sealed record Observation((short Error, long Offset) First, (short Error, long Offset) Duplicate, (short Error, long Offset) Next, (short Error, long Offset) Gap, IReadOnlyList<string?> Stored);

    private static async Task<Observation> ResendAsync(KafkaEndpoint endpoint)
    {
        var topic = ClientConfigs.Unique("raw-idem");
        await endpoint.CreateTopicAsync(topic, 1);
        using var connection = await RawConnection.OpenAsync(endpoint.BootstrapServers);

        await connection.SendAsync(Requests.InitProducerIdV0(1));
        var init = await connection.ReceiveAsync();
        Assert.Equal(1, init.Int32());
        init.Int32(); // throttle
        Assert.Equal(0, init.Int16());
        var producerId = init.Int64();
        var epoch = init.Int16();

        var firstBatch = Requests.RecordBatch(["a", "b", "c"], 1_700_000_000_000, producerId, epoch, baseSequence: 0);
        var first = await ProduceAsync(connection, 2, topic, firstBatch);
        var duplicate = await ProduceAsync(connection, 3, topic, firstBatch);
        var next = await ProduceAsync(connection, 4, topic, Requests.RecordBatch(["d", "e"], 1_700_000_000_010, producerId, epoch, baseSequence: 3));
        var gap = await ProduceAsync(connection, 5, topic, Requests.RecordBatch(["lost"], 1_700_000_000_020, producerId, epoch, baseSequence: 9));

        var stored = await Read.AllAsync(endpoint.BootstrapServers, topic, 1);
        return new Observation(first, duplicate, next, (gap.Error, 0), [.. stored.Select(r => r.Value)]);
    }

    private static async Task<(short Error, long Offset)> ProduceAsync(RawConnection connection, int correlationId, string topic, byte[] batch)
    {
        await connection.SendAsync(Requests.ProduceV3(correlationId, topic, 0, batch));
        var response = await connection.ReceiveAsync();
        Assert.Equal(correlationId, response.Int32());
        Assert.Equal(1, response.Int32());
        Assert.Equal(topic, response.String());
        Assert.Equal(1, response.Int32());
        Assert.Equal(0, response.Int32());
        var error = response.Int16();
        var offset = response.Int64();
        return (error, offset);
    }
}
