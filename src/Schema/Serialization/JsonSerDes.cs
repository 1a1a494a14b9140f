using Confluent.Kafka;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Schema.Serialization;

/// <summary>
/// Streamiz serdes for a record type, backed by the source-generated context (Streamiz's own
/// <c>JsonSerDes</c> uses Newtonsoft and reflection). A null payload (tombstone) reads as null.
/// </summary>
public sealed class RecordSerDes<T> : AbstractSerDes<T>
    where T : class
{
    public override byte[] Serialize(T data, SerializationContext context) =>
        data is null ? null! : RecordJson.Serialize(data);

    public override T Deserialize(byte[] data, SerializationContext context) =>
        data is null ? null! : RecordJson.Deserialize<T>(data);
}

/// <summary>Confluent.Kafka serializer and deserializer for a record type, for plain producers and consumers.</summary>
public sealed class RecordSerializer<T> : ISerializer<T>, IDeserializer<T>
    where T : class
{
    public byte[] Serialize(T data, SerializationContext context) =>
        data is null ? null! : RecordJson.Serialize(data);

    public T Deserialize(ReadOnlySpan<byte> data, bool isNull, SerializationContext context) =>
        isNull ? null! : RecordJson.Deserialize<T>(data);
}
