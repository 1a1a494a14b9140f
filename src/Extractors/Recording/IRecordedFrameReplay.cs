using CryptoStreams.Extractors.Core;

namespace CryptoStreams.Extractors.Recording;

/// <summary>
/// Replays the recorded frames of a source that are not trade or quote messages: Chainlink's JSON-RPC answers (into
/// <c>raw.chainlink</c>) and the exchanges' scheduled-job answers (candles into <c>raw.candles</c>). What such frames
/// yield depends on what came before them (a round is new only if its id changed; a candle only if not yet
/// published), so each replay run starts from a fresh <see cref="IRecordedFrameReader"/>: replaying a recording twice
/// gives the same records twice.
/// </summary>
public interface IRecordedFrameReplay
{
    string Source { get; }

    /// <summary>True for the channels this replay reads (e.g. <c>rpc:…</c>, <c>job:…</c>).</summary>
    bool Reads(string channel);

    IRecordedFrameReader Begin();
}

/// <summary>The state of one replay run of one source.</summary>
public interface IRecordedFrameReader
{
    ValueTask<ReplayedFrame> PublishAsync(RecordedFrame frame, IRawSink sink, CancellationToken cancellationToken);
}

/// <summary>What one replayed frame produced.</summary>
/// <param name="Records">Records published (oracle rounds, candles).</param>
/// <param name="Rejected">The frame was dead-lettered.</param>
/// <param name="Skipped">The frame cannot be replayed (e.g. a recording from before its channel named the feed).</param>
public readonly record struct ReplayedFrame(int Records, bool Rejected, bool Skipped = false);
