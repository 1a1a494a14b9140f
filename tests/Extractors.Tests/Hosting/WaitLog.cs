using System.Collections.Concurrent;

namespace CryptoStreams.Extractors.Tests.Hosting;

/// <summary>Collects the waits a connector announces (its <c>Waiting</c> hook), so a test knows when to advance a fake clock.</summary>
internal sealed class WaitLog
{
    private readonly ConcurrentQueue<(TimeSpan Wait, string Why)> _waits = new();

    public IReadOnlyList<(TimeSpan Wait, string Why)> Waits => [.. _waits];

    public int Count => _waits.Count;

    public void Add(TimeSpan wait, string why) => _waits.Enqueue((wait, why));
}
