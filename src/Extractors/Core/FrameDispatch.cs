using CryptoStreams.Extractors.Exchange;

namespace CryptoStreams.Extractors.Core;

/// <summary>
/// Runs one received frame through its parser and hands the outcome to the sink: ticks to the raw topic, a
/// rejected frame to the dead-letter topic. Live connectors and replay use this one path, so a replay produces
/// exactly what the live run produced. A result may carry both ticks and a reject reason (some entries of a
/// multi-asset response were valid, others not): the valid ticks are published and the whole frame is
/// dead-lettered with the reason, so nothing valid is dropped and nothing invalid is lost.
/// </summary>
public static class FrameDispatch
{
    /// <param name="parser">The source's parser.</param>
    /// <param name="frame">The frame's bytes.</param>
    /// <param name="receivedAt">Receive time (live: now; replay: as recorded).</param>
    /// <param name="sink">Where ticks and rejects go.</param>
    /// <param name="cancellationToken">Cancels publishing.</param>
    /// <param name="channel">
    /// The channel the frame came from; parsers that read REST history by channel (<see cref="IChannelFrameParser"/>)
    /// need it, because those bodies do not always name their symbol.
    /// </param>
    /// <returns>The parse result, for callers that count.</returns>
    public static async ValueTask<FrameParseResult> PublishAsync(
        IFrameParser parser,
        ReadOnlyMemory<byte> frame,
        DateTimeOffset receivedAt,
        IRawSink sink,
        CancellationToken cancellationToken,
        string? channel = null)
    {
        ArgumentNullException.ThrowIfNull(parser);
        ArgumentNullException.ThrowIfNull(sink);
        var result = channel is not null && parser is IChannelFrameParser channelParser
            ? channelParser.Parse(channel, frame.Span, receivedAt)
            : parser.Parse(frame.Span, receivedAt);
        foreach (var tick in result.Ticks)
        {
            await sink.PublishTickAsync(tick, cancellationToken).ConfigureAwait(false);
        }

        if (result.IsRejected)
        {
            await sink.PublishDeadLetterAsync(
                DeadLetters.ForFrame(parser.Source, result.RejectReason!, result.RejectDetail ?? string.Empty, frame.Span, receivedAt),
                cancellationToken).ConfigureAwait(false);
        }

        return result;
    }
}
