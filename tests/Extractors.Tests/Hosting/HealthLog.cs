using System.Collections.Concurrent;
using CryptoStreams.Extractors.Core;

namespace CryptoStreams.Extractors.Tests.Hosting;

/// <summary>Remembers health reports as readable lines.</summary>
internal sealed class HealthLog : ISourceHealth
{
    private readonly ConcurrentQueue<string> _events = new();

    public IReadOnlyList<string> Events => [.. _events];

    /// <summary>Reports other than "connected".</summary>
    public IReadOnlyList<string> Problems => [.. _events.Where(e => !e.StartsWith("connected", StringComparison.Ordinal))];

    public void Connected(string source) => _events.Enqueue("connected " + source);

    public void Disconnected(string source, string reason) => _events.Enqueue($"disconnected {source}: {reason}");

    public void Unreachable(string source, string reason) => _events.Enqueue($"unreachable {source}: {reason}");

    public void Off(string source, string reason) => _events.Enqueue($"off {source}: {reason}");
}
