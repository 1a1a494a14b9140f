namespace CryptoStreams.Broker.Groups;

/// <summary>States of a classic group, as in Kafka's group coordinator.</summary>
internal enum GroupState
{
    Empty,
    PreparingRebalance,
    CompletingRebalance,
    Stable,
    Dead,
}

/// <summary>A consumer group: membership, generation and committed offsets. Guarded by the coordinator's lock.</summary>
internal sealed class ConsumerGroup
{
    public ConsumerGroup(string id) => Id = id;

    public string Id { get; }

    public GroupState State { get; set; } = GroupState.Empty;

    public int Generation { get; set; }

    public string? ProtocolType { get; set; }

    public string? Protocol { get; set; }

    public string? LeaderId { get; set; }

    public Dictionary<string, GroupMember> Members { get; } = new(StringComparer.Ordinal);

    /// <summary>Ids handed out with MEMBER_ID_REQUIRED that have not joined yet.</summary>
    public HashSet<string> PendingMemberIds { get; } = new(StringComparer.Ordinal);

    public DateTimeOffset RebalanceDeadline { get; set; }

    public DateTimeOffset InitialDelayUntil { get; set; }

    public Dictionary<(string Topic, int Partition), CommittedOffset> Offsets { get; } = [];

    public string StateName => State.ToString();

    /// <summary>The journal holds this group's (all-static) membership; a change to it must be journaled too.</summary>
    public bool MembershipPersisted { get; set; }
}

/// <summary>A committed offset with its client metadata.</summary>
internal readonly record struct CommittedOffset(long Offset, int LeaderEpoch, string? Metadata);
