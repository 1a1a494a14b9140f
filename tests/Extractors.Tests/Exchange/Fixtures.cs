using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>Recorded venue payloads under tests/fixtures/&lt;venue&gt;.</summary>
public static class Fixtures
{
    /// <summary>The WebSocket frames of <c>ws.ndjson</c>, one per line.</summary>
    public static IReadOnlyList<string> WebSocketFrames(string venue) =>
        [.. File.ReadAllLines(Path.Combine(RepositoryPaths.Fixtures, venue, "ws.ndjson")).Where(l => l.Length > 0)];

    /// <summary>A recorded REST response body.</summary>
    public static byte[] Rest(string venue, string file) => File.ReadAllBytes(Path.Combine(RepositoryPaths.Fixtures, venue, file));
}
