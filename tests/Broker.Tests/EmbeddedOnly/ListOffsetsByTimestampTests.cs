using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Suite;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>ListOffsets with a timestamp: the first offset whose timestamp is at or after it, or "end" past the last.</summary>
public sealed class ListOffsetsByTimestampTests(EmbeddedBrokerFixture broker) : IClassFixture<EmbeddedBrokerFixture>
{
    [Fact]
    public async Task Offsets_by_timestamp_find_the_first_record_at_or_after_it()
    {
        var observation = await OffsetTests.OffsetsForTimesAsync(broker.Endpoint);

        Assert.Equal((0L, 10L), observation.Watermarks);
        Assert.Equal([0L, 0L, 3L, 3L, 9L, Offset.End.Value], observation.OffsetsForTimes);
    }
}
