using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>FindCoordinator (10) v0–2: this node coordinates every group and transactional id.</summary>
internal sealed class FindCoordinatorApi : ApiHandler
{
    public FindCoordinatorApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.FindCoordinator;

    public override short MaxVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        request.Body.ReadString(false);
        if (request.Version >= 1)
        {
            request.Body.ReadInt8();
            response.WriteInt32(0);
        }

        response.WriteInt16((short)ErrorCode.None);
        if (request.Version >= 1)
        {
            response.WriteNullableString(null, false);
        }

        response.WriteInt32(Runtime.NodeId);
        response.WriteString(Runtime.AdvertisedHost, false);
        response.WriteInt32(Runtime.AdvertisedPort);
        return Done;
    }
}
