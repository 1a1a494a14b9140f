namespace CryptoStreams.Schema;

/// <summary>
/// Input that a stage could not use, with the reason (<c>dlq.&lt;stage&gt;</c>). Keyed by the original key.
/// Nothing is dropped silently: every rejected payload ends up here, bytes intact.
/// </summary>
/// <param name="Stage">extractors, topology or loader.</param>
/// <param name="Source">Venue, API or input topic the payload came from.</param>
/// <param name="Reason">A short, stable reason code, e.g. <c>late</c>, <c>invalid-price</c>, <c>unparseable</c>.</param>
/// <param name="Error">Human-readable detail.</param>
/// <param name="Payload">The original bytes, unchanged.</param>
/// <param name="Topic">Input topic, when the payload came from Kafka.</param>
/// <param name="Partition">Input partition, when known.</param>
/// <param name="Offset">Input offset, when known.</param>
/// <param name="Time">When the stage rejected it (UTC).</param>
public sealed record DeadLetter(
    string Stage,
    string Source,
    string Reason,
    string Error,
    byte[] Payload,
    string? Topic,
    int? Partition,
    long? Offset,
    DateTimeOffset Time)
{
    public bool Equals(DeadLetter? other) =>
        other is not null
        && Stage == other.Stage
        && Source == other.Source
        && Reason == other.Reason
        && Error == other.Error
        && Payload.AsSpan().SequenceEqual(other.Payload)
        && Topic == other.Topic
        && Partition == other.Partition
        && Offset == other.Offset
        && Time == other.Time;

    public override int GetHashCode() => HashCode.Combine(Stage, Source, Reason, Topic, Partition, Offset, Time);
}
