using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>AlterConfigs (33) v0–1: replaces a topic's overrides with the given set, as Kafka does.</summary>
internal sealed class AlterConfigsApi : ApiHandler
{
    public AlterConfigsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.AlterConfigs;

    public override short MaxVersion => 1;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var resources = body.ReadArray(false, r => (
            Type: r.ReadInt8(),
            Name: r.ReadString(false),
            Configs: r.ReadArray(false, c => new KeyValuePair<string, string?>(c.ReadString(false), c.ReadNullableString(false)))));
        var validateOnly = body.ReadBool();
        response.WriteInt32(0);
        response.WriteArrayLength(resources.Count, false);
        foreach (var (type, name, configs) in resources)
        {
            ErrorCode error;
            string? message = null;
            if (type == DescribeConfigsApi.TopicResource && !Allowed(request, AclOperation.AlterConfigs, AclResourceType.Topic, name))
            {
                error = ErrorCode.TopicAuthorizationFailed;
            }
            else if (type == DescribeConfigsApi.TopicResource)
            {
                error = Runtime.Topics.AlterConfigs(name, configs, replaceAll: true, validateOnly, out message);
            }
            else
            {
                error = ErrorCode.InvalidRequest;
                message = "only topic configs can be altered on the embedded broker";
            }

            response.WriteInt16((short)error);
            response.WriteNullableString(message, false);
            response.WriteInt8(type);
            response.WriteString(name, false);
        }

        return Done;
    }
}
