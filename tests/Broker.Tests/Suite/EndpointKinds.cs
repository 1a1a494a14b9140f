using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.Suite;

/// <summary>xunit member data: one case per endpoint kind.</summary>
public static class EndpointKinds
{
    public static TheoryData<EndpointKind> All() => [.. KafkaEndpoint.AllKinds];
}
