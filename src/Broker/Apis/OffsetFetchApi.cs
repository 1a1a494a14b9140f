using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>OffsetFetch (9) v1–5: committed offsets (-1 when none); a null topic list (v2+) means all.</summary>
internal sealed class OffsetFetchApi : ApiHandler
{
    public OffsetFetchApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.OffsetFetch;

    public override short MinVersion => 1;

    public override short MaxVersion => 5;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        var groupId = body.ReadString(false);
        var topics = body.ReadNullableArray(false, r => (Name: r.ReadString(false), Partitions: r.ReadArray(false, p => p.ReadInt32())));
        if (!Allowed(request, AclOperation.Describe, AclResourceType.Group, groupId))
        {
            if (v >= 3)
            {
                response.WriteInt32(0);
            }

            // Before v2 there is no top-level error: every partition carries it.
            var asked = topics ?? [];
            response.WriteArrayLength(asked.Count, false);
            foreach (var (name, partitions) in asked)
            {
                response.WriteString(name, false);
                response.WriteArrayLength(partitions.Count, false);
                foreach (var partition in partitions)
                {
                    response.WriteInt32(partition);
                    response.WriteInt64(-1);
                    if (v >= 5)
                    {
                        response.WriteInt32(-1);
                    }

                    response.WriteNullableString(string.Empty, false);
                    response.WriteInt16((short)ErrorCode.GroupAuthorizationFailed);
                }
            }

            if (v >= 2)
            {
                response.WriteInt16((short)ErrorCode.GroupAuthorizationFailed);
            }

            return Done;
        }

        topics ??= [.. Runtime.Groups.FetchAllOffsets(groupId)
            .GroupBy(o => o.Topic)
            .Where(g => Runtime.Security.Allows(request.Session, AclOperation.Describe, AclResourceType.Topic, g.Key))
            .Select(g => (g.Key, g.Select(o => o.Partition).Order().ToList()))];

        if (v >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(topics.Count, false);
        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name, false);
            response.WriteArrayLength(partitions.Count, false);
            foreach (var partition in partitions)
            {
                var committed = Runtime.Groups.FetchOffset(groupId, name, partition);
                response.WriteInt32(partition);
                response.WriteInt64(committed?.Offset ?? -1);
                if (v >= 5)
                {
                    response.WriteInt32(committed?.LeaderEpoch ?? -1);
                }

                response.WriteNullableString(committed?.Metadata ?? string.Empty, false);
                response.WriteInt16((short)ErrorCode.None);
            }
        }

        if (v >= 2)
        {
            response.WriteInt16((short)ErrorCode.None);
        }

        return Done;
    }
}
