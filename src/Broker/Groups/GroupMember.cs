namespace CryptoStreams.Broker.Groups;

/// <summary>A member of a classic consumer group as the coordinator sees it.</summary>
internal sealed class GroupMember
{
    public GroupMember(string id, string? instanceId, string clientId, string clientHost)
    {
        Id = id;
        InstanceId = instanceId;
        ClientId = clientId;
        ClientHost = clientHost;
    }

    public string Id { get; set; }

    public string? InstanceId { get; }

    public string ClientId { get; }

    public string ClientHost { get; }

    public TimeSpan SessionTimeout { get; set; }

    public TimeSpan RebalanceTimeout { get; set; }

    public string ProtocolType { get; set; } = string.Empty;

    /// <summary>Supported assignors in preference order with their (copied) subscription metadata.</summary>
    public List<(string Name, byte[] Metadata)> Protocols { get; set; } = [];

    public byte[] Assignment { get; set; } = [];

    public DateTimeOffset LastSeen { get; set; }

    /// <summary>Set while the member's JoinGroup waits for the rebalance to complete.</summary>
    public TaskCompletionSource<JoinOutcome>? PendingJoin { get; set; }

    /// <summary>Set while the member's SyncGroup waits for the leader's assignment.</summary>
    public TaskCompletionSource<SyncOutcome>? PendingSync { get; set; }

    public byte[] MetadataFor(string? protocol) => Protocols.FirstOrDefault(p => p.Name == protocol).Metadata ?? [];

    public bool SameProtocols(List<(string Name, byte[] Metadata)> other) =>
        Protocols.Count == other.Count &&
        Protocols.Zip(other).All(pair => pair.First.Name == pair.Second.Name && pair.First.Metadata.AsSpan().SequenceEqual(pair.Second.Metadata));
}

/// <summary>What a JoinGroup call gets back.</summary>
internal sealed record JoinOutcome(
    Protocol.ErrorCode Error,
    int Generation,
    string? Protocol,
    string Leader,
    string MemberId,
    IReadOnlyList<(string MemberId, string? InstanceId, byte[] Metadata)> Members);

/// <summary>What a SyncGroup call gets back.</summary>
internal sealed record SyncOutcome(Protocol.ErrorCode Error, byte[] Assignment, string? ProtocolType, string? Protocol);
