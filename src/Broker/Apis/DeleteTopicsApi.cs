using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DeleteTopics (20) v0–3: the topic's logs are removed and its committed offsets forgotten.</summary>
internal sealed class DeleteTopicsApi : ApiHandler
{
    public DeleteTopicsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DeleteTopics;

    public override short MaxVersion => 3;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var names = request.Body.ReadArray(false, r => r.ReadString(false));
        request.Body.ReadInt32();
        if (request.Version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(names.Count, false);
        foreach (var name in names)
        {
            var error = Allowed(request, AclOperation.Delete, AclResourceType.Topic, name) ? Runtime.Topics.Delete(name) : ErrorCode.TopicAuthorizationFailed;
            if (error == ErrorCode.None)
            {
                Runtime.Groups.ForgetTopic(name);
            }

            response.WriteString(name, false);
            response.WriteInt16((short)error);
        }

        return Done;
    }
}
