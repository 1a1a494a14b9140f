using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.State;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Groups;

/// <summary>
/// The classic group coordinator: JoinGroup/SyncGroup/Heartbeat/LeaveGroup with rebalance and session timeouts
/// and the initial rebalance delay; assignors run client-side (range, round-robin, cooperative-sticky).
/// Committed offsets are journaled and replayed on start-up, and so is the membership of all-static groups
/// (see GroupCoordinator.StaticMembership.cs); dynamic members rejoin after a restart.
/// </summary>
internal sealed partial class GroupCoordinator
{
    internal const byte OffsetCommitEntry = 1;
    internal const byte OffsetDeleteEntry = 2;

    private readonly Lock _lock = new();
    private readonly Dictionary<string, ConsumerGroup> _groups = new(StringComparer.Ordinal);
    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CoordinatorJournal _journal;

    public GroupCoordinator(BrokerOptions options, TimeProvider time, ILogger logger, CoordinatorJournal journal)
    {
        _options = options;
        _time = time;
        _logger = logger;
        _journal = journal;
    }

    internal Lock SyncRoot => _lock;

    private DateTimeOffset Now => _time.GetUtcNow();

    private ConsumerGroup GetOrCreate(string groupId)
    {
        if (!_groups.TryGetValue(groupId, out var group))
        {
            group = new ConsumerGroup(groupId);
            _groups[groupId] = group;
        }

        return group;
    }

    public Task<JoinOutcome> JoinAsync(JoinRequest join)
    {
        lock (_lock)
        {
            if (string.IsNullOrEmpty(join.GroupId))
            {
                return Task.FromResult(Failed(ErrorCode.InvalidGroupId, join.MemberId));
            }

            if (join.SessionTimeout <= TimeSpan.Zero || join.SessionTimeout > TimeSpan.FromHours(1))
            {
                return Task.FromResult(Failed(ErrorCode.InvalidSessionTimeout, join.MemberId));
            }

            var group = GetOrCreate(join.GroupId);
            if (group.Members.Count > 0 &&
                (group.ProtocolType != join.ProtocolType || !group.Members.Values.All(m => m.Protocols.Any(p => join.Protocols.Any(q => q.Name == p.Name)))))
            {
                return Task.FromResult(Failed(ErrorCode.InconsistentGroupProtocol, join.MemberId));
            }

            GroupMember? member;
            var memberId = join.MemberId;
            if (memberId.Length == 0)
            {
                var known = join.InstanceId is null ? null : group.Members.Values.FirstOrDefault(m => m.InstanceId == join.InstanceId);
                if (known is not null)
                {
                    // Static member restarting: it takes over its slot under a fresh id, fencing the old instance.
                    ReplaceStaticMember(group, known, NewMemberId(join.ClientId));
                    member = known;
                    if (group.State == GroupState.Stable && known.SameProtocols(join.Protocols))
                    {
                        // Same subscription: it gets its assignment back without a rebalance (KIP-345), leader or not.
                        member.SessionTimeout = join.SessionTimeout;
                        member.RebalanceTimeout = join.RebalanceTimeout;
                        member.LastSeen = Now;
                        PersistMembership(group);
                        return Task.FromResult(Result(group, member));
                    }
                }
                else
                {
                    memberId = NewMemberId(join.ClientId);
                    if (join.Version >= 4 && join.InstanceId is null)
                    {
                        group.PendingMemberIds.Add(memberId);
                        return Task.FromResult(Failed(ErrorCode.MemberIdRequired, memberId));
                    }

                    member = new GroupMember(memberId, join.InstanceId, join.ClientId, join.ClientHost);
                    group.Members[memberId] = member;
                }
            }
            else if (Fenced(group, memberId, join.InstanceId) is { } fenced)
            {
                return Task.FromResult(Failed(fenced, memberId));
            }
            else if (!group.Members.TryGetValue(memberId, out member))
            {
                if (!group.PendingMemberIds.Remove(memberId))
                {
                    return Task.FromResult(Failed(ErrorCode.UnknownMemberId, memberId));
                }

                member = new GroupMember(memberId, join.InstanceId, join.ClientId, join.ClientHost);
                group.Members[memberId] = member;
            }

            var protocolsChanged = !member.SameProtocols(join.Protocols);
            member.SessionTimeout = join.SessionTimeout;
            member.RebalanceTimeout = join.RebalanceTimeout;
            member.ProtocolType = join.ProtocolType;
            member.Protocols = join.Protocols;
            member.LastSeen = Now;
            group.ProtocolType = join.ProtocolType;

            if (group.State == GroupState.Stable && !protocolsChanged && member.Id != group.LeaderId)
            {
                // A follower rejoining with the same subscription gets the current generation back.
                return Task.FromResult(Result(group, member));
            }

            member.PendingJoin?.TrySetResult(Failed(ErrorCode.UnknownMemberId, member.Id));
            member.PendingJoin = new TaskCompletionSource<JoinOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
            var pending = member.PendingJoin.Task;
            if (group.State != GroupState.PreparingRebalance)
            {
                PrepareRebalance(group, "member joined");
            }
            else if (group.Generation == 0 || group.InitialDelayUntil > Now)
            {
                // New members keep extending the initial delay (bounded by the rebalance timeout), as in Kafka.
                var extended = Now + _options.GroupInitialRebalanceDelay;
                group.InitialDelayUntil = extended < group.RebalanceDeadline ? extended : group.RebalanceDeadline;
            }

            TryCompleteJoin(group);
            return pending;
        }
    }

    private static string NewMemberId(string clientId) => $"{(string.IsNullOrEmpty(clientId) ? "member" : clientId)}-{Guid.NewGuid():N}";

    private static JoinOutcome Failed(ErrorCode error, string memberId) => new(error, -1, null, string.Empty, memberId, []);

    private static JoinOutcome Result(ConsumerGroup group, GroupMember member)
    {
        var isLeader = member.Id == group.LeaderId;
        var members = isLeader
            ? group.Members.Values.Select(m => (m.Id, m.InstanceId, m.MetadataFor(group.Protocol))).ToList()
            : [];
        return new JoinOutcome(ErrorCode.None, group.Generation, group.Protocol, group.LeaderId ?? string.Empty, member.Id, members);
    }

    private void PrepareRebalance(ConsumerGroup group, string reason)
    {
        _ = reason;
        var wasEmpty = group.State == GroupState.Empty;
        group.State = GroupState.PreparingRebalance;
        foreach (var member in group.Members.Values)
        {
            member.PendingSync?.TrySetResult(new SyncOutcome(ErrorCode.RebalanceInProgress, [], null, null));
            member.PendingSync = null;
        }

        var longest = group.Members.Values.Select(m => m.RebalanceTimeout).DefaultIfEmpty(TimeSpan.FromSeconds(30)).Max();
        group.RebalanceDeadline = Now + longest;
        group.InitialDelayUntil = wasEmpty ? Now + _options.GroupInitialRebalanceDelay : Now;
    }

    private void TryCompleteJoin(ConsumerGroup group)
    {
        if (group.State != GroupState.PreparingRebalance || Now < group.InitialDelayUntil)
        {
            return;
        }

        var allJoined = group.Members.Values.All(m => m.PendingJoin is not null);
        if (!allJoined && Now < group.RebalanceDeadline)
        {
            return;
        }

        foreach (var lagging in group.Members.Values.Where(m => m.PendingJoin is null).ToList())
        {
            ForgetMembership(group);
            group.Members.Remove(lagging.Id);
            BrokerLog.MemberRemoved(_logger, group.Id, lagging.Id, "did not rejoin within the rebalance timeout");
        }

        group.Generation++;
        if (group.Members.Count == 0)
        {
            group.State = GroupState.Empty;
            group.Protocol = null;
            group.LeaderId = null;
            return;
        }

        group.Protocol = ChooseProtocol(group);
        if (group.LeaderId is null || !group.Members.ContainsKey(group.LeaderId))
        {
            group.LeaderId = group.Members.Keys.First();
        }

        group.State = GroupState.CompletingRebalance;
        BrokerLog.GroupRebalanced(_logger, group.Id, group.Generation, group.Members.Count, group.LeaderId, group.Protocol);
        foreach (var member in group.Members.Values)
        {
            member.LastSeen = Now;
            var pending = member.PendingJoin;
            member.PendingJoin = null;
            pending?.TrySetResult(Result(group, member));
        }
    }

    private static string? ChooseProtocol(ConsumerGroup group)
    {
        // Every member votes for its most preferred assignor among those all members support.
        var common = group.Members.Values.Select(m => m.Protocols.Select(p => p.Name)).Aggregate((a, b) => a.Intersect(b)).ToHashSet();
        return group.Members.Values
            .Select(m => m.Protocols.Select(p => p.Name).FirstOrDefault(common.Contains))
            .Where(n => n is not null)
            .GroupBy(n => n)
            .OrderByDescending(g => g.Count())
            .Select(g => g.Key)
            .FirstOrDefault();
    }

    public Task<SyncOutcome> SyncAsync(string groupId, int generation, string memberId, string? instanceId, List<(string MemberId, byte[] Assignment)> assignments)
    {
        lock (_lock)
        {
            if (_groups.TryGetValue(groupId, out var fencing) && Fenced(fencing, memberId, instanceId) is { } fenced)
            {
                return Task.FromResult(new SyncOutcome(fenced, [], null, null));
            }

            if (!_groups.TryGetValue(groupId, out var group) || !group.Members.TryGetValue(memberId, out var member))
            {
                return Task.FromResult(new SyncOutcome(ErrorCode.UnknownMemberId, [], null, null));
            }

            if (generation != group.Generation)
            {
                return Task.FromResult(new SyncOutcome(ErrorCode.IllegalGeneration, [], null, null));
            }

            member.LastSeen = Now;
            switch (group.State)
            {
                case GroupState.PreparingRebalance:
                    return Task.FromResult(new SyncOutcome(ErrorCode.RebalanceInProgress, [], null, null));
                case GroupState.Stable:
                    return Task.FromResult(new SyncOutcome(ErrorCode.None, member.Assignment, group.ProtocolType, group.Protocol));
                case GroupState.CompletingRebalance:
                    member.PendingSync?.TrySetResult(new SyncOutcome(ErrorCode.RebalanceInProgress, [], null, null));
                    member.PendingSync = new TaskCompletionSource<SyncOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
                    var pending = member.PendingSync.Task;
                    if (memberId == group.LeaderId)
                    {
                        foreach (var m in group.Members.Values)
                        {
                            m.Assignment = [];
                        }

                        foreach (var (target, assignment) in assignments)
                        {
                            if (group.Members.TryGetValue(target, out var assigned))
                            {
                                assigned.Assignment = assignment;
                            }
                        }

                        group.State = GroupState.Stable;
                        PersistMembership(group);
                        foreach (var m in group.Members.Values)
                        {
                            var waiting = m.PendingSync;
                            m.PendingSync = null;
                            waiting?.TrySetResult(new SyncOutcome(ErrorCode.None, m.Assignment, group.ProtocolType, group.Protocol));
                        }
                    }

                    return pending;
                default:
                    return Task.FromResult(new SyncOutcome(ErrorCode.UnknownMemberId, [], null, null));
            }
        }
    }

    public ErrorCode Heartbeat(string groupId, int generation, string memberId, string? instanceId = null)
    {
        lock (_lock)
        {
            if (_groups.TryGetValue(groupId, out var fencing) && Fenced(fencing, memberId, instanceId) is { } fenced)
            {
                return fenced;
            }

            if (!_groups.TryGetValue(groupId, out var group) || !group.Members.TryGetValue(memberId, out var member))
            {
                return ErrorCode.UnknownMemberId;
            }

            member.LastSeen = Now;
            if (group.State == GroupState.PreparingRebalance)
            {
                return ErrorCode.RebalanceInProgress;
            }

            return generation != group.Generation ? ErrorCode.IllegalGeneration : ErrorCode.None;
        }
    }

    public ErrorCode Leave(string groupId, string memberId, string? instanceId)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return ErrorCode.UnknownMemberId;
            }

            // By instance id (LeaveGroup v3+, KIP-345): a member id given with it must still own the instance.
            var member = instanceId is null
                ? group.Members.GetValueOrDefault(memberId)
                : group.Members.Values.FirstOrDefault(m => m.InstanceId == instanceId);
            if (member is null)
            {
                return ErrorCode.UnknownMemberId;
            }

            if (instanceId is not null && memberId.Length > 0 && memberId != member.Id)
            {
                return ErrorCode.FencedInstanceId;
            }

            RemoveMember(group, member, "left the group");
            return ErrorCode.None;
        }
    }

    private void RemoveMember(ConsumerGroup group, GroupMember member, string reason)
    {
        ForgetMembership(group);
        group.Members.Remove(member.Id);
        member.PendingJoin?.TrySetResult(Failed(ErrorCode.UnknownMemberId, member.Id));
        member.PendingSync?.TrySetResult(new SyncOutcome(ErrorCode.UnknownMemberId, [], null, null));
        BrokerLog.MemberRemoved(_logger, group.Id, member.Id, reason);
        switch (group.State)
        {
            case GroupState.Stable or GroupState.CompletingRebalance:
                if (group.Members.Count == 0)
                {
                    group.State = GroupState.Empty;
                    group.Generation++;
                    group.Protocol = null;
                    group.LeaderId = null;
                }
                else
                {
                    PrepareRebalance(group, reason);
                    group.InitialDelayUntil = Now;
                }

                break;
            case GroupState.PreparingRebalance:
                TryCompleteJoin(group);
                break;
        }
    }

    /// <summary>Session expiry and rebalance deadlines; called by the broker's background tick.</summary>
    public void Tick()
    {
        lock (_lock)
        {
            var now = Now;
            foreach (var group in _groups.Values)
            {
                foreach (var member in group.Members.Values.ToList())
                {
                    if (member.PendingJoin is null && now - member.LastSeen > member.SessionTimeout)
                    {
                        RemoveMember(group, member, "session timed out");
                    }
                }

                TryCompleteJoin(group);
            }
        }
    }

    /// <summary>Validates the member for an offset commit (generation -1 = a simple, group-less commit).</summary>
    public ErrorCode CheckCommitter(string groupId, int generation, string memberId, string? instanceId = null)
    {
        lock (_lock)
        {
            if (generation < 0 && memberId.Length == 0)
            {
                return ErrorCode.None;
            }

            if (_groups.TryGetValue(groupId, out var fencing) && Fenced(fencing, memberId, instanceId) is { } fenced)
            {
                return fenced;
            }

            if (!_groups.TryGetValue(groupId, out var group) || !group.Members.TryGetValue(memberId, out var member))
            {
                return ErrorCode.UnknownMemberId;
            }

            if (generation != group.Generation)
            {
                return ErrorCode.IllegalGeneration;
            }

            member.LastSeen = Now;
            return group.State == GroupState.CompletingRebalance ? ErrorCode.RebalanceInProgress : ErrorCode.None;
        }
    }

    /// <summary>Stores committed offsets durably (journal first, then memory).</summary>
    public void CommitOffsets(string groupId, IReadOnlyList<(string Topic, int Partition, long Offset, int LeaderEpoch, string? Metadata)> offsets)
    {
        if (offsets.Count == 0)
        {
            return;
        }

        lock (_lock)
        {
            _journal.Append(w =>
            {
                foreach (var (topic, partition, offset, epoch, metadata) in offsets)
                {
                    WriteOffsetEntry(w, groupId, topic, partition, new CommittedOffset(offset, epoch, metadata));
                }
            });
            var group = GetOrCreate(groupId);
            foreach (var (topic, partition, offset, epoch, metadata) in offsets)
            {
                group.Offsets[(topic, partition)] = new CommittedOffset(offset, epoch, metadata);
            }
        }
    }

    private static void WriteOffsetEntry(Protocol.KafkaWriter w, string group, string topic, int partition, CommittedOffset committed)
    {
        w.WriteInt8((sbyte)OffsetCommitEntry);
        w.WriteString(group, false);
        w.WriteString(topic, false);
        w.WriteInt32(partition);
        w.WriteInt64(committed.Offset);
        w.WriteInt32(committed.LeaderEpoch);
        w.WriteNullableString(committed.Metadata, false);
    }

    public CommittedOffset? FetchOffset(string groupId, string topic, int partition)
    {
        lock (_lock)
        {
            return _groups.TryGetValue(groupId, out var group) && group.Offsets.TryGetValue((topic, partition), out var committed) ? committed : null;
        }
    }

    public List<(string Topic, int Partition, CommittedOffset Offset)> FetchAllOffsets(string groupId)
    {
        lock (_lock)
        {
            return _groups.TryGetValue(groupId, out var group)
                ? [.. group.Offsets.Select(kv => (kv.Key.Topic, kv.Key.Partition, kv.Value))]
                : [];
        }
    }

    /// <summary>A deleted topic's committed offsets go with it.</summary>
    public void ForgetTopic(string topic)
    {
        lock (_lock)
        {
            foreach (var group in _groups.Values)
            {
                foreach (var key in group.Offsets.Keys.Where(k => k.Topic == topic).ToList())
                {
                    group.Offsets.Remove(key);
                    _journal.Append(w => WriteDelete(w, group.Id, key.Topic, key.Partition));
                }
            }
        }
    }

    private static void WriteDelete(Protocol.KafkaWriter w, string group, string topic, int partition)
    {
        w.WriteInt8((sbyte)OffsetDeleteEntry);
        w.WriteString(group, false);
        w.WriteString(topic, false);
        w.WriteInt32(partition);
    }

    public ErrorCode DeleteGroup(string groupId)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return ErrorCode.GroupIdNotFound;
            }

            if (group.Members.Count > 0)
            {
                return ErrorCode.NonEmptyGroup;
            }

            foreach (var key in group.Offsets.Keys)
            {
                _journal.Append(w => WriteDelete(w, groupId, key.Topic, key.Partition));
            }

            ForgetMembership(group);

            _groups.Remove(groupId);
            return ErrorCode.None;
        }
    }

    public List<GroupSnapshot> Describe(IEnumerable<string> groupIds)
    {
        lock (_lock)
        {
            return [.. groupIds.Select(id => _groups.TryGetValue(id, out var g) ? Snapshot(g) : new GroupSnapshot(id, "Dead", string.Empty, string.Empty, []))];
        }
    }

    public List<GroupSnapshot> List()
    {
        lock (_lock)
        {
            return [.. _groups.Values.Select(Snapshot)];
        }
    }

    private static GroupSnapshot Snapshot(ConsumerGroup group) => new(
        group.Id,
        group.StateName,
        group.ProtocolType ?? string.Empty,
        group.State == GroupState.Stable || group.State == GroupState.CompletingRebalance ? group.Protocol ?? string.Empty : string.Empty,
        [.. group.Members.Values.Select(m => new MemberSnapshot(m.Id, m.InstanceId, m.ClientId, m.ClientHost, m.MetadataFor(group.Protocol), m.Assignment))]);

    /// <summary>Applies one replayed journal entry of the group kinds.</summary>
    public void Apply(byte kind, KafkaReader entry)
    {
        if (kind == MembershipEntry)
        {
            ApplyMembership(entry);
            return;
        }

        var group = GetOrCreate(entry.ReadString(false));
        var topic = entry.ReadString(false);
        var partition = entry.ReadInt32();
        if (kind == OffsetCommitEntry)
        {
            var offset = entry.ReadInt64();
            var epoch = entry.ReadInt32();
            group.Offsets[(topic, partition)] = new CommittedOffset(offset, epoch, entry.ReadNullableString(false));
        }
        else
        {
            group.Offsets.Remove((topic, partition));
        }
    }

    /// <summary>The live offsets as journal entries (compaction). Caller holds <see cref="SyncRoot"/>.</summary>
    public IEnumerable<Action<KafkaWriter>> SnapshotEntries() =>
        [.. _groups.Values.SelectMany(g => g.Offsets.Select(kv => (Action<KafkaWriter>)(w => WriteOffsetEntry(w, g.Id, kv.Key.Topic, kv.Key.Partition, kv.Value)))), .. MembershipSnapshot()];
}

/// <summary>Parameters of a JoinGroup request.</summary>
internal sealed record JoinRequest(
    string GroupId,
    string MemberId,
    string? InstanceId,
    string ClientId,
    string ClientHost,
    string ProtocolType,
    List<(string Name, byte[] Metadata)> Protocols,
    TimeSpan SessionTimeout,
    TimeSpan RebalanceTimeout,
    short Version);

internal sealed record GroupSnapshot(string GroupId, string State, string ProtocolType, string Protocol, List<MemberSnapshot> Members);

internal sealed record MemberSnapshot(string MemberId, string? InstanceId, string ClientId, string ClientHost, byte[] Metadata, byte[] Assignment);
