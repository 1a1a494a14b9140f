using System.Collections.Concurrent;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>An in-memory <see cref="IRawSink"/> that keeps everything published, in order.</summary>
public sealed class RecordingSink : IRawSink
{
    private readonly ConcurrentQueue<Tick> ticks = new();
    private readonly ConcurrentQueue<Gap> gaps = new();
    private readonly ConcurrentQueue<DeadLetter> deadLetters = new();

    public IReadOnlyList<Tick> Ticks => [.. ticks];

    public IReadOnlyList<Gap> Gaps => [.. gaps];

    public IReadOnlyList<DeadLetter> DeadLetters => [.. deadLetters];

    public ValueTask PublishTickAsync(Tick tick, CancellationToken cancellationToken)
    {
        ticks.Enqueue(tick);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishOracleRoundAsync(OracleRound round, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("exchange connectors publish no oracle rounds");

    public ValueTask PublishGapAsync(Gap gap, CancellationToken cancellationToken)
    {
        gaps.Enqueue(gap);
        return ValueTask.CompletedTask;
    }

    public ValueTask PublishCandleAsync(Candle candle, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("exchange connectors publish no candles (the candle backfill job does)");

    public ValueTask PublishDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        deadLetters.Enqueue(letter);
        return ValueTask.CompletedTask;
    }
}

/// <summary>An in-memory <see cref="IFrameRecorder"/>: every frame with its channel.</summary>
public sealed class RecordingFrameRecorder : IFrameRecorder
{
    private readonly ConcurrentQueue<(string Source, string Channel, byte[] Frame, DateTimeOffset ReceivedAt)> frames = new();

    public IReadOnlyList<(string Source, string Channel, byte[] Frame, DateTimeOffset ReceivedAt)> Frames => [.. frames];

    public void Record(string source, string channel, ReadOnlySpan<byte> frame, DateTimeOffset receivedAt) =>
        frames.Enqueue((source, channel, frame.ToArray(), receivedAt));
}
