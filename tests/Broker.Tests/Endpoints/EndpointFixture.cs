using System.Collections.Concurrent;

namespace CryptoStreams.Broker.Tests.Endpoints;

/// <summary>
/// One endpoint of each kind per test class, started on first use. Tests isolate themselves with fresh topic and
/// group names rather than fresh endpoints, which keeps the suite fast.
/// </summary>
public sealed class EndpointFixture : IAsyncLifetime
{
    private readonly ConcurrentDictionary<EndpointKind, Lazy<Task<KafkaEndpoint>>> _endpoints = new();

    public Task<KafkaEndpoint> GetAsync(EndpointKind kind) =>
        _endpoints.GetOrAdd(kind, k => new Lazy<Task<KafkaEndpoint>>(() => KafkaEndpoint.StartAsync(k))).Value;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var endpoint in _endpoints.Values.Where(e => e.IsValueCreated))
        {
            if (endpoint.Value.IsCompletedSuccessfully)
            {
                await endpoint.Value.Result.DisposeAsync();
            }
        }
    }
}
