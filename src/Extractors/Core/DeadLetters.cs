using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Core;

/// <summary>Builds the extractors' dead letters, so every connector words them the same way.</summary>
public static class DeadLetters
{
    public const string Stage = "extractors";

    /// <summary>A frame a connector could not use, with its bytes unchanged.</summary>
    public static DeadLetter ForFrame(string source, string reason, string detail, ReadOnlySpan<byte> frame, DateTimeOffset time) =>
        new(Stage, source, reason, detail, frame.ToArray(), Topic: null, Partition: null, Offset: null, time);
}
