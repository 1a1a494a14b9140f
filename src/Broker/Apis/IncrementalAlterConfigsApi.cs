using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>
/// IncrementalAlterConfigs (44) v0–1: SET, DELETE, APPEND and SUBTRACT on a topic's configs (APPEND/SUBTRACT on
/// list values such as cleanup.policy), leaving the other overrides alone. Broker configs are fixed at start-up.
/// </summary>
internal sealed class IncrementalAlterConfigsApi : ApiHandler
{
    private const sbyte Set = 0;
    private const sbyte Delete = 1;
    private const sbyte Append = 2;
    private const sbyte Subtract = 3;

    public IncrementalAlterConfigsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.IncrementalAlterConfigs;

    public override short MaxVersion => 1;

    public override short FirstFlexibleVersion => 1;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        var body = request.Body;
        var resources = body.ReadArray(flexible, r =>
        {
            var type = r.ReadInt8();
            var name = r.ReadString(flexible);
            var configs = r.ReadArray(flexible, c =>
            {
                var entry = (Name: c.ReadString(flexible), Operation: c.ReadInt8(), Value: c.ReadNullableString(flexible));
                c.SkipTaggedFields(flexible);
                return entry;
            });
            r.SkipTaggedFields(flexible);
            return (Type: type, Name: name, Configs: configs);
        });
        var validateOnly = body.ReadBool();
        response.WriteInt32(0);
        response.WriteArrayLength(resources.Count, flexible);
        foreach (var (type, name, configs) in resources)
        {
            ErrorCode error;
            string? message = null;
            if (type != DescribeConfigsApi.TopicResource)
            {
                error = ErrorCode.InvalidRequest;
                message = "only topic configs can be altered on the embedded broker; broker settings are BrokerOptions, fixed at start-up";
            }
            else if (Runtime.Topics.Find(name) is not { } topic)
            {
                error = ErrorCode.UnknownTopicOrPartition;
                message = $"topic '{name}' does not exist";
            }
            else
            {
                var patch = new List<KeyValuePair<string, string?>>(configs.Count);
                error = ErrorCode.None;
                foreach (var (config, operation, value) in configs)
                {
                    string? next;
                    switch (operation)
                    {
                        case Set:
                            next = value;
                            break;
                        case Delete:
                            next = null;
                            break;
                        case Append or Subtract:
                            var items = topic.Config.Get(config).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
                            var given = (value ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                            items = operation == Append ? [.. items.Concat(given.Where(g => !items.Contains(g)))] : [.. items.Where(i => !given.Contains(i))];
                            next = string.Join(',', items);
                            break;
                        default:
                            error = ErrorCode.InvalidRequest;
                            message = $"unknown config operation {operation} for '{config}'";
                            next = null;
                            break;
                    }

                    patch.Add(new(config, next));
                }

                if (error == ErrorCode.None)
                {
                    error = Runtime.Topics.AlterConfigs(name, patch, replaceAll: false, validateOnly, out message);
                }
            }

            response.WriteInt16((short)error);
            response.WriteNullableString(message, flexible);
            response.WriteInt8(type);
            response.WriteString(name, flexible);
            response.WriteEmptyTaggedFields(flexible);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
