namespace CryptoStreams.Extractors.Core;

/// <summary>
/// Saves every received frame with its receive time (<c>--record DIR</c>, NDJSON) so it can be replayed through
/// the same parsers. The no-op recorder is used when recording is off.
/// </summary>
public interface IFrameRecorder
{
    /// <param name="source">Source name.</param>
    /// <param name="channel">Which connection or endpoint the frame came from (e.g. <c>ws</c>, <c>rest:aggTrades</c>).</param>
    /// <param name="frame">The frame's bytes, unchanged.</param>
    /// <param name="receivedAt">Receive time (UTC).</param>
    void Record(string source, string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt);
}

/// <summary>Records nothing.</summary>
public sealed class NoFrameRecorder : IFrameRecorder
{
    public void Record(string source, string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt)
    {
    }
}
