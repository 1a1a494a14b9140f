using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>CreateTopics (19) v0–4. Replication factor and assignments are accepted when they fit one node.</summary>
internal sealed class CreateTopicsApi : ApiHandler
{
    public CreateTopicsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.CreateTopics;

    public override short MaxVersion => 4;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var topics = body.ReadArray(false, r =>
        {
            var name = r.ReadString(false);
            var partitions = r.ReadInt32();
            var replication = r.ReadInt16();
            var assignments = r.ReadArray(false, a => (Partition: a.ReadInt32(), Brokers: a.ReadArray(false, b => b.ReadInt32())));
            var configs = r.ReadArray(false, c => (Name: c.ReadString(false), Value: c.ReadNullableString(false)));
            return (name, partitions, replication, assignments, configs);
        });
        body.ReadInt32(); // timeout
        var validateOnly = request.Version >= 1 && body.ReadBool();

        if (request.Version >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(topics.Count, false);
        foreach (var (name, partitions, replication, assignments, configs) in topics)
        {
            var (error, message) = ClusterAllowed(request, AclOperation.Create) || Allowed(request, AclOperation.Create, AclResourceType.Topic, name)
                ? Create(name, partitions, replication, assignments, configs, validateOnly)
                : (ErrorCode.TopicAuthorizationFailed, $"{request.Session.Principal} may not create topic {name}");
            response.WriteString(name, false);
            response.WriteInt16((short)error);
            if (request.Version >= 1)
            {
                response.WriteNullableString(message, false);
            }
        }

        return Done;
    }

    private (ErrorCode, string?) Create(string name, int partitions, short replication, List<(int Partition, List<int> Brokers)> assignments,
        List<(string Name, string? Value)> configs, bool validateOnly)
    {
        if (replication is not (1 or -1) && assignments.Count == 0)
        {
            return (ErrorCode.InvalidReplicationFactor, $"replication factor {replication} is larger than the 1 available broker");
        }

        if (assignments.Count > 0)
        {
            if (partitions != -1 || assignments.Any(a => a.Brokers.Any(b => b != Runtime.NodeId)))
            {
                return (ErrorCode.InvalidRequest, "replica assignments may only name this broker and exclude num_partitions");
            }

            partitions = assignments.Count;
        }

        if (partitions == -1)
        {
            partitions = Runtime.Options.DefaultPartitions;
        }

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in configs)
        {
            if (value is not null)
            {
                overrides[key] = value;
            }
        }

        var error = Runtime.Topics.Create(name, partitions, overrides, validateOnly, out var message);
        return (error, message);
    }
}
