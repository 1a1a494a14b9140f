using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>InitProducerId (22) v0–4 (v2+ flexible): producer ids for idempotence; transactional ids get epoch fencing.</summary>
internal sealed class InitProducerIdApi : ApiHandler
{
    public InitProducerIdApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.InitProducerId;

    public override short MaxVersion => 4;

    public override short FirstFlexibleVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        var body = request.Body;
        var transactionalId = body.ReadNullableString(flexible);
        var timeout = body.ReadInt32();
        long producerId = -1;
        short epoch = -1;
        if (request.Version >= 3)
        {
            producerId = body.ReadInt64();
            epoch = body.ReadInt16();
        }

        var (error, id, newEpoch) = Runtime.Transactions.InitProducerId(transactionalId, timeout, producerId, epoch);
        response.WriteInt32(0);
        response.WriteInt16((short)error);
        response.WriteInt64(id);
        response.WriteInt16(newEpoch);
        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
