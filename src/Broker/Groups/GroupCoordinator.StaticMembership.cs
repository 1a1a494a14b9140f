using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Groups;

/// <summary>
/// Static membership (KIP-345): fencing of a replaced instance, and the membership of all-static groups kept in
/// the coordinator journal so it survives a broker restart, as Kafka keeps it in <c>__consumer_offsets</c>.
/// Groups with dynamic members are not kept: their members get fresh ids when they rejoin anyway.
/// </summary>
internal sealed partial class GroupCoordinator
{
    internal const byte MembershipEntry = 5;

    /// <summary>FENCED_INSTANCE_ID when <paramref name="instanceId"/> now belongs to another member id.</summary>
    private static ErrorCode? Fenced(ConsumerGroup group, string memberId, string? instanceId)
    {
        if (instanceId is null)
        {
            return null;
        }

        var owner = group.Members.Values.FirstOrDefault(m => m.InstanceId == instanceId);
        return owner is not null && owner.Id != memberId ? ErrorCode.FencedInstanceId : null;
    }

    /// <summary>A known instance id rejoining under a fresh member id: the old id is fenced, the slot kept.</summary>
    private static void ReplaceStaticMember(ConsumerGroup group, GroupMember known, string newId)
    {
        var oldId = known.Id;
        known.PendingJoin?.TrySetResult(Failed(ErrorCode.FencedInstanceId, oldId));
        known.PendingJoin = null;
        known.PendingSync?.TrySetResult(new SyncOutcome(ErrorCode.FencedInstanceId, [], null, null));
        known.PendingSync = null;
        group.Members.Remove(oldId);
        known.Id = newId;
        group.Members[newId] = known;
        if (group.LeaderId == oldId)
        {
            group.LeaderId = newId;
        }
    }

    /// <summary>Journals the group's membership when every member is static, else that there is none to keep.</summary>
    private void PersistMembership(ConsumerGroup group)
    {
        var keep = group.State == GroupState.Stable && group.Members.Count > 0 && group.Members.Values.All(m => m.InstanceId is not null);
        _journal.Append(w => WriteMembership(w, group, keep));
        group.MembershipPersisted = keep;
    }

    /// <summary>Journals that a previously kept membership is gone (a member left, timed out or a rebalance began).</summary>
    private void ForgetMembership(ConsumerGroup group)
    {
        if (group.MembershipPersisted)
        {
            _journal.Append(w => WriteMembership(w, group, keep: false));
            group.MembershipPersisted = false;
        }
    }

    private static void WriteMembership(KafkaWriter w, ConsumerGroup group, bool keep)
    {
        w.WriteInt8((sbyte)MembershipEntry);
        w.WriteString(group.Id, false);
        w.WriteInt32(group.Generation);
        w.WriteNullableString(group.ProtocolType, false);
        w.WriteNullableString(group.Protocol, false);
        w.WriteNullableString(group.LeaderId, false);
        var members = keep ? group.Members.Values.ToList() : [];
        w.WriteInt32(members.Count);
        foreach (var m in members)
        {
            w.WriteString(m.Id, false);
            w.WriteString(m.InstanceId!, false);
            w.WriteString(m.ClientId, false);
            w.WriteString(m.ClientHost, false);
            w.WriteInt32((int)m.SessionTimeout.TotalMilliseconds);
            w.WriteInt32((int)m.RebalanceTimeout.TotalMilliseconds);
            w.WriteString(m.ProtocolType, false);
            w.WriteInt32(m.Protocols.Count);
            foreach (var (name, metadata) in m.Protocols)
            {
                w.WriteString(name, false);
                w.WriteBytes(metadata, false);
            }

            w.WriteBytes(m.Assignment, false);
        }
    }

    private void ApplyMembership(KafkaReader entry)
    {
        var group = GetOrCreate(entry.ReadString(false));
        var generation = entry.ReadInt32();
        var protocolType = entry.ReadNullableString(false);
        var protocol = entry.ReadNullableString(false);
        var leader = entry.ReadNullableString(false);
        var count = entry.ReadInt32();
        group.Members.Clear();
        for (var i = 0; i < count; i++)
        {
            var member = new GroupMember(entry.ReadString(false), entry.ReadString(false), entry.ReadString(false), entry.ReadString(false))
            {
                SessionTimeout = TimeSpan.FromMilliseconds(entry.ReadInt32()),
                RebalanceTimeout = TimeSpan.FromMilliseconds(entry.ReadInt32()),
                ProtocolType = entry.ReadString(false),
            };
            var protocols = entry.ReadInt32();
            for (var p = 0; p < protocols; p++)
            {
                member.Protocols.Add((entry.ReadString(false), entry.ReadBytes(false).ToArray()));
            }

            member.Assignment = entry.ReadBytes(false).ToArray();
            // As Kafka does on loading a group: the session timer starts again at load time.
            member.LastSeen = Now;
            group.Members[member.Id] = member;
        }

        group.Generation = generation;
        group.MembershipPersisted = count > 0;
        if (count > 0)
        {
            group.State = GroupState.Stable;
            group.ProtocolType = protocolType;
            group.Protocol = protocol;
            group.LeaderId = leader;
        }
        else
        {
            group.State = GroupState.Empty;
            group.Protocol = null;
            group.LeaderId = null;
        }
    }

    private IEnumerable<Action<KafkaWriter>> MembershipSnapshot() =>
        [.. _groups.Values.Where(g => g.MembershipPersisted).Select(g => (Action<KafkaWriter>)(w => WriteMembership(w, g, keep: true)))];
}
