using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.Stream;

namespace CryptoStreams.Topology;

/// <summary>
/// Writes a stream to a topic and lets the producer choose the partition from the key (asset), exactly what
/// Streamiz's default partitioner does with its default <c>default.partitioner.reshuffle.every.key=true</c>.
/// <para>
/// Why not plain <c>To(topic, keySerdes, valueSerdes, named)</c>: that overload installs the default partitioner,
/// and for every record a sink with a partitioner asks <c>StreamsProducer.PartitionsFor</c>, which rebuilds the
/// whole admin-client configuration (reflection for the client version, dictionary unions) before reading its
/// partition-count cache — a third of a stateless topology's stream-thread time against a broker, measured with
/// dotnet-trace. Without a partitioner the sink hands the record to the producer with <c>Partition.Any</c>.
/// </para>
/// </summary>
public static class KeyPartitionedSink
{
    public static void ToTopic<TValue>(this IKStream<string, TValue> stream, string topic, ISerDes<string> keys, ISerDes<TValue> values, string named)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrEmpty(topic);

        // Streamiz declares the partitioner non-null but treats null as "no partitioner" (SinkProcessor.Process).
        stream.To(new FixedTopic<TValue>(topic), partitioner: null!, keys, values, named);
    }

    private sealed class FixedTopic<TValue>(string topic) : ITopicNameExtractor<string, TValue>
    {
        public string Extract(string key, TValue value, IRecordContext recordContext) => topic;
    }
}
