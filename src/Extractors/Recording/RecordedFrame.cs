namespace CryptoStreams.Extractors.Recording;

/// <summary>One frame as it was received: source, channel, receive time and the bytes unchanged.</summary>
public sealed record RecordedFrame(string Source, string Channel, DateTimeOffset ReceivedAt, byte[] Frame);
