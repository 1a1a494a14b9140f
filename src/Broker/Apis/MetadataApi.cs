using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>Metadata (3) v0–12: this node as the only broker, controller and leader of every partition.</summary>
internal sealed class MetadataApi : ApiHandler
{
    public MetadataApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.Metadata;

    public override short MaxVersion => 12;

    public override short FirstFlexibleVersion => 9;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var flexible = request.Flexible;
        var body = request.Body;
        var requested = body.ReadNullableArray(flexible, r =>
        {
            var id = v >= 10 ? r.ReadUuid() : Guid.Empty;
            var name = r.ReadNullableString(flexible);
            r.SkipTaggedFields(flexible);
            return (Id: id, Name: name);
        });
        var allowAutoCreate = v < 4 || body.ReadBool();
        if (v == 0 && requested is { Count: 0 })
        {
            requested = null; // v0: an empty list means all topics
        }

        var topics = new List<(ErrorCode Error, string? Name, Topic? Topic, Guid Id)>();
        if (requested is null)
        {
            // As Kafka does: listing all topics shows only those the principal may describe.
            topics.AddRange(Runtime.Topics.All().Where(t => Runtime.Security.Allows(request.Session, AclOperation.Describe, AclResourceType.Topic, t.Name))
                .OrderBy(t => t.Name, StringComparer.Ordinal).Select(t => (ErrorCode.None, (string?)t.Name, (Topic?)t, t.Id)));
        }
        else
        {
            foreach (var (id, name) in requested)
            {
                Topic? topic;
                if (name is null)
                {
                    topic = Runtime.Topics.Find(id);
                    topics.Add(topic is null ? (ErrorCode.UnknownTopicId, null, null, id) : (ErrorCode.None, topic.Name, topic, topic.Id));
                    continue;
                }

                if (!Allowed(request, AclOperation.Describe, AclResourceType.Topic, name))
                {
                    topics.Add((ErrorCode.TopicAuthorizationFailed, name, null, Guid.Empty));
                    continue;
                }

                var mayCreate = allowAutoCreate && (Runtime.Security.Allows(request.Session, AclOperation.Create, AclResourceType.Topic, name) || Runtime.Security.Allows(request.Session, AclOperation.Create, AclResourceType.Cluster, AclCodec.ClusterName));
                topic = mayCreate ? Runtime.FindOrAutoCreate(name) : Runtime.Topics.Find(name);
                var error = topic is not null ? ErrorCode.None
                    : TopicStore.IsLegalName(name) ? ErrorCode.UnknownTopicOrPartition : ErrorCode.InvalidTopicException;
                topics.Add((error, name, topic, topic?.Id ?? Guid.Empty));
            }
        }

        if (v >= 3)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(1, flexible);
        response.WriteInt32(Runtime.NodeId);
        response.WriteString(Runtime.AdvertisedHost, flexible);
        response.WriteInt32(Runtime.AdvertisedPort);
        if (v >= 1)
        {
            response.WriteNullableString(null, flexible);
        }

        response.WriteEmptyTaggedFields(flexible);
        if (v >= 2)
        {
            response.WriteNullableString(Runtime.Options.ClusterId, flexible);
        }

        if (v >= 1)
        {
            response.WriteInt32(Runtime.NodeId);
        }

        response.WriteArrayLength(topics.Count, flexible);
        foreach (var (error, name, topic, id) in topics)
        {
            response.WriteInt16((short)error);
            if (v >= 12)
            {
                response.WriteNullableString(name, flexible);
            }
            else
            {
                response.WriteString(name ?? string.Empty, flexible);
            }

            if (v >= 10)
            {
                response.WriteUuid(id);
            }

            if (v >= 1)
            {
                response.WriteBool(topic?.IsInternal ?? false);
            }

            var partitions = topic?.Partitions ?? [];
            response.WriteArrayLength(partitions.Length, flexible);
            for (var p = 0; p < partitions.Length; p++)
            {
                response.WriteInt16((short)ErrorCode.None);
                response.WriteInt32(p);
                response.WriteInt32(Runtime.NodeId);
                if (v >= 7)
                {
                    response.WriteInt32(0);
                }

                WriteNodeList(response, flexible);
                WriteNodeList(response, flexible);
                if (v >= 5)
                {
                    response.WriteArrayLength(0, flexible);
                }

                response.WriteEmptyTaggedFields(flexible);
            }

            if (v >= 8)
            {
                response.WriteInt32(int.MinValue);
            }

            response.WriteEmptyTaggedFields(flexible);
        }

        if (v is >= 8 and <= 10)
        {
            response.WriteInt32(int.MinValue);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }

    private void WriteNodeList(KafkaWriter response, bool flexible)
    {
        response.WriteArrayLength(1, flexible);
        response.WriteInt32(Runtime.NodeId);
    }
}
