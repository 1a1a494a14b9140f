using System.Buffers.Binary;
using System.Text;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Groups;

/// <summary>OffsetDelete (KIP-496): committed offsets of topics the group no longer subscribes to can be removed.</summary>
internal sealed partial class GroupCoordinator
{
    /// <summary>Deletes the group's offsets of <paramref name="partitions"/>; partitions of subscribed topics are refused.</summary>
    public (ErrorCode GroupError, List<ErrorCode> Partitions) DeleteOffsets(string groupId, IReadOnlyList<(string Topic, int Partition)> partitions)
    {
        lock (_lock)
        {
            if (!_groups.TryGetValue(groupId, out var group))
            {
                return (ErrorCode.GroupIdNotFound, []);
            }

            var subscribed = group.Members.Count > 0 && group.ProtocolType == "consumer"
                ? group.Members.Values.SelectMany(m => SubscribedTopics(m.MetadataFor(group.Protocol))).ToHashSet(StringComparer.Ordinal)
                : [];
            var results = new List<ErrorCode>(partitions.Count);
            foreach (var (topic, partition) in partitions)
            {
                if (subscribed.Contains(topic))
                {
                    results.Add(ErrorCode.GroupSubscribedToTopic);
                    continue;
                }

                if (group.Offsets.Remove((topic, partition)))
                {
                    _journal.Append(w => WriteDelete(w, groupId, topic, partition));
                }

                results.Add(ErrorCode.None);
            }

            return (ErrorCode.None, results);
        }
    }

    /// <summary>The topics of a consumer-protocol subscription: [int16 version][int32 count][int16-length strings]...</summary>
    private static List<string> SubscribedTopics(byte[] metadata)
    {
        var topics = new List<string>();
        if (metadata.Length < 6)
        {
            return topics;
        }

        var count = BinaryPrimitives.ReadInt32BigEndian(metadata.AsSpan(2));
        var pos = 6;
        for (var i = 0; i < count && pos + 2 <= metadata.Length; i++)
        {
            var length = BinaryPrimitives.ReadInt16BigEndian(metadata.AsSpan(pos));
            pos += 2;
            if (length < 0 || pos + length > metadata.Length)
            {
                break;
            }

            topics.Add(Encoding.UTF8.GetString(metadata, pos, length));
            pos += length;
        }

        return topics;
    }
}
