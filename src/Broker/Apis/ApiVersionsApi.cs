using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>ApiVersions (18): the version ranges of every API served here.</summary>
internal sealed class ApiVersionsApi : ApiHandler
{
    private readonly Func<RequestDispatcher> _dispatcher;

    public ApiVersionsApi(BrokerRuntime runtime, Func<RequestDispatcher> dispatcher)
        : base(runtime) => _dispatcher = dispatcher;

    public override ApiKey Key => ApiKey.ApiVersions;

    public override short MaxVersion => 3;

    public override short FirstFlexibleVersion => 3;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var flexible = request.Flexible;
        response.WriteInt16((short)ErrorCode.None);
        _dispatcher().WriteVersionRanges(response, flexible);
        if (request.Version >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteEmptyTaggedFields(flexible);
        return Done;
    }
}
