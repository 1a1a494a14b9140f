using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeClientQuotas (48) v0–1: the embedded broker enforces no quotas, so none match.</summary>
internal sealed class DescribeClientQuotasApi : ApiHandler
{
    public DescribeClientQuotasApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeClientQuotas;

    public override short MaxVersion => 1;

    public override short FirstFlexibleVersion => 1;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        response.WriteInt32(0);
        response.WriteInt16((short)ErrorCode.None);
        response.WriteNullableString(null, flexible);
        response.WriteArrayLength(0, flexible);
        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
