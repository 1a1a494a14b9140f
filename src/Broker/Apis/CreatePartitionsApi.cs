using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>CreatePartitions (37) v0–1.</summary>
internal sealed class CreatePartitionsApi : ApiHandler
{
    public CreatePartitionsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.CreatePartitions;

    public override short MaxVersion => 1;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var topics = body.ReadArray(false, r =>
        {
            var name = r.ReadString(false);
            var count = r.ReadInt32();
            r.ReadNullableArray(false, a => a.ReadArray(false, b => b.ReadInt32()));
            return (name, count);
        });
        body.ReadInt32();
        var validateOnly = body.ReadBool();
        response.WriteInt32(0);
        response.WriteArrayLength(topics.Count, false);
        foreach (var (name, count) in topics)
        {
            string? message = $"{request.Session.Principal} may not alter topic {name}";
            var error = Allowed(request, AclOperation.Alter, AclResourceType.Topic, name)
                ? Runtime.Topics.AddPartitions(name, count, validateOnly, out message)
                : ErrorCode.TopicAuthorizationFailed;
            response.WriteString(name, false);
            response.WriteInt16((short)error);
            response.WriteNullableString(message, false);
        }

        return Done;
    }
}
