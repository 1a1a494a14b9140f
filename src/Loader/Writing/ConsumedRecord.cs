namespace CryptoStreams.Loader.Writing;

/// <summary>A Kafka partition of a topic the loader reads.</summary>
public readonly record struct TopicPartitionKey(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}[{Partition}]";
}

/// <summary>One record as consumed, before mapping: where it came from and its bytes.</summary>
public sealed record ConsumedRecord(string Topic, int Partition, long Offset, byte[]? Key, byte[]? Value, DateTimeOffset Timestamp)
{
    public TopicPartitionKey Source => new(Topic, Partition);
}

/// <summary>
/// The part of one partition a batch covers. <see cref="ExpectedStoredOffset"/> is where this loader believes the
/// database stands (null: no row yet); the write is refused when the database says otherwise, because then another
/// loader wrote that partition since this one last looked. <see cref="FirstOffset"/> is where to rewind to when the
/// batch is dropped and the database has no offset for the partition yet.
/// </summary>
public sealed record PartitionRange(TopicPartitionKey Partition, long? ExpectedStoredOffset, long FirstOffset, long NextOffset);
