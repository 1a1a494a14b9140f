using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Core;

/// <summary>
/// Turns one received frame (a WebSocket message or a REST response body) of a source into ticks. The same
/// parser serves live connections and <c>cryptostreams replay</c>, so a recording replays exactly as it ran.
/// </summary>
public interface IFrameParser
{
    string Source { get; }

    /// <summary>
    /// Parses a frame. Control frames (subscription acks, pongs, welcome) give an empty result; anything that
    /// cannot be read gives a <see cref="FrameParseResult.Rejected"/> result with a specific reason, never an exception.
    /// </summary>
    FrameParseResult Parse(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt);
}

/// <summary>What one frame contained.</summary>
public readonly record struct FrameParseResult(IReadOnlyList<Tick> Ticks, string? RejectReason, string? RejectDetail)
{
    public static FrameParseResult Control { get; } = new([], null, null);

    public bool IsRejected => RejectReason is not null;

    public static FrameParseResult Of(IReadOnlyList<Tick> ticks) => new(ticks, null, null);

    public static FrameParseResult Rejected(string reason, string detail) => new([], reason, detail);
}
