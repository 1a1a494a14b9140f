using Confluent.Kafka;
using Streamiz.Kafka.Net.Processors;

namespace CryptoStreams.Topology;

/// <summary>
/// Streamiz's record time: the Kafka timestamp, which our producers set to the event time. A record without
/// one (timestamp −1 from an old producer) takes the partition's time instead of failing the stream thread;
/// the payload's own event time decides its window either way.
/// </summary>
internal sealed class EventTimeExtractor : ITimestampExtractor
{
    public long Extract(ConsumeResult<object, object> record, long partitionTime)
    {
        var timestamp = record?.Message?.Timestamp.UnixTimestampMs ?? -1;
        return timestamp >= 0 ? timestamp : Math.Max(partitionTime, 0);
    }
}
