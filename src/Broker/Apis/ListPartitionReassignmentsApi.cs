using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>ListPartitionReassignments (46) v0: a single node never has a reassignment in progress.</summary>
internal sealed class ListPartitionReassignmentsApi : ApiHandler
{
    public ListPartitionReassignmentsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.ListPartitionReassignments;

    public override short MaxVersion => 0;

    public override short FirstFlexibleVersion => 0;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        response.WriteInt32(0);
        response.WriteInt16((short)ErrorCode.None);
        response.WriteNullableString(null, true);
        response.WriteArrayLength(0, true);
        response.WriteEmptyTaggedFields(true);
        return Done;
    }
}
