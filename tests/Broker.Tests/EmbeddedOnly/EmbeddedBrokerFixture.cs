using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>One in-process embedded broker per test class, for features the mock cluster lacks.</summary>
public sealed class EmbeddedBrokerFixture : IAsyncLifetime
{
    private KafkaEndpoint? _endpoint;

    public KafkaEndpoint Endpoint => _endpoint ?? throw new InvalidOperationException("the fixture has not started");

    public string BootstrapServers => Endpoint.BootstrapServers;

    public async Task InitializeAsync() => _endpoint = await KafkaEndpoint.StartAsync(EndpointKind.EmbeddedBroker);

    public async Task DisposeAsync()
    {
        if (_endpoint is not null)
        {
            await _endpoint.DisposeAsync();
        }
    }
}
