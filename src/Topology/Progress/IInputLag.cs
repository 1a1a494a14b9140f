namespace CryptoStreams.Topology;

/// <summary>What the broker holds for one input partition, as last seen: its first and end offsets and the offset the application's group committed.</summary>
/// <param name="Low">First offset still on the broker (after retention).</param>
/// <param name="End">Offset the next record written will get (the high watermark).</param>
/// <param name="Committed">The group's committed offset, or -1 when it has none.</param>
public readonly record struct InputOffsets(long Low, long End, long Committed);

/// <summary>
/// Where the topology learns which of its inputs still have records to read (Kafka Streams' rule since KIP-695:
/// a task waits only for input partitions with lag). Read from the stream threads; implementations publish immutable
/// snapshots, so a read never blocks.
/// </summary>
public interface IInputLag
{
    /// <summary>The offsets of <paramref name="topic"/>'s partition <paramref name="partition"/>, or false while they are not known (yet).</summary>
    bool TryGet(string topic, int partition, out InputOffsets offsets);
}

/// <summary>
/// Offsets known in advance: every record an input will hold is already written (a backlog on the broker, a test's
/// whole input). Also what a snapshot-publishing source hands out.
/// </summary>
public sealed class KnownInputOffsets : IInputLag
{
    private readonly Dictionary<(string Topic, int Partition), InputOffsets> known;

    public KnownInputOffsets(IEnumerable<KeyValuePair<(string Topic, int Partition), InputOffsets>> offsets) =>
        known = new Dictionary<(string, int), InputOffsets>(offsets);

    public bool TryGet(string topic, int partition, out InputOffsets offsets) => known.TryGetValue((topic, partition), out offsets);
}
