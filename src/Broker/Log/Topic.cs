namespace CryptoStreams.Broker.Log;

/// <summary>A topic: its id, configuration and partition logs.</summary>
internal sealed class Topic
{
    public Topic(string name, Guid id, TopicConfig config, PartitionLog[] partitions)
    {
        Name = name;
        Id = id;
        Config = config;
        Partitions = partitions;
    }

    public string Name { get; }

    public Guid Id { get; }

    public TopicConfig Config { get; }

    /// <summary>Replaced as a whole when partitions are added, so readers see a consistent array.</summary>
    public PartitionLog[] Partitions { get; set; }

    public bool IsInternal => Name.StartsWith("__", StringComparison.Ordinal);
}
