using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Recording;

/// <summary>What a replay did.</summary>
/// <param name="Frames">Frames read.</param>
/// <param name="Ticks">Ticks published.</param>
/// <param name="Rejected">Frames dead-lettered.</param>
/// <param name="WithoutParser">Frames no parser or replay reads (skipped).</param>
/// <param name="Records">Other records published: oracle rounds and venue candles.</param>
public sealed record ReplaySummary(long Frames, long Ticks, long Rejected, long WithoutParser, long Records = 0);

/// <summary>
/// <c>cryptostreams replay DIR</c>: pushes recorded frames, in receive-time order, through the same
/// <see cref="IFrameParser"/> the live connector used (chosen by source), with the recorded receive time, so the
/// raw topics get the same ticks as when the frames arrived. Rejected frames go to the dead-letter topic. Frames
/// that are not trade or quote messages — Chainlink's <c>eth_call</c> answers, the exchanges' scheduled-job answers —
/// go through their source's <see cref="IRecordedFrameReplay"/> instead (oracle rounds, venue candles), with fresh
/// state per replay. Frames nothing can read are counted and skipped.
/// </summary>
public sealed partial class FrameReplayer
{
    private readonly Dictionary<string, IFrameParser> _parsers;
    private readonly ILogger<FrameReplayer> _logger;
    private readonly IReadOnlyList<IRecordedFrameReplay> _replays;

    public FrameReplayer(IEnumerable<IFrameParser> parsers, ILogger<FrameReplayer> logger, IEnumerable<IRecordedFrameReplay>? replays = null)
    {
        ArgumentNullException.ThrowIfNull(parsers);
        _replays = [.. replays ?? []];
        _parsers = new Dictionary<string, IFrameParser>(StringComparer.Ordinal);
        foreach (var parser in parsers)
        {
            _parsers.TryAdd(parser.Source, parser);
        }

        _logger = logger;
    }

    public async Task<ReplaySummary> ReplayAsync(string directory, IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        long frames = 0, ticks = 0, rejected = 0, withoutParser = 0, records = 0;
        var unparsedSources = new HashSet<string>(StringComparer.Ordinal);
        var readers = new Dictionary<IRecordedFrameReplay, IRecordedFrameReader>();
        foreach (var frame in FrameRecordingReader.ReadAll(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            frames++;
            if (_replays.FirstOrDefault(r => r.Source == frame.Source && r.Reads(frame.Channel)) is { } replay)
            {
                if (!readers.TryGetValue(replay, out var reader))
                {
                    reader = replay.Begin();
                    readers[replay] = reader;
                }

                var replayed = await reader.PublishAsync(frame, sink, cancellationToken).ConfigureAwait(false);
                records += replayed.Records;
                rejected += replayed.Rejected ? 1 : 0;
                if (replayed.Skipped)
                {
                    withoutParser++;
                    if (unparsedSources.Add(frame.Source + " " + frame.Channel))
                    {
                        LogUnreadable(_logger, frame.Source, frame.Channel);
                    }
                }

                continue;
            }

            if (!_parsers.TryGetValue(frame.Source, out var parser))
            {
                withoutParser++;
                if (unparsedSources.Add(frame.Source))
                {
                    LogNoParser(_logger, frame.Source);
                }

                continue;
            }

            var result = await FrameDispatch.PublishAsync(parser, frame.Frame, frame.ReceivedAt, sink, cancellationToken, frame.Channel).ConfigureAwait(false);
            ticks += result.Ticks.Count;
            rejected += result.IsRejected ? 1 : 0;
        }

        return new ReplaySummary(frames, ticks, rejected, withoutParser, records);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "replay: {Source} frames on channel {Channel} cannot be replayed (recorded before the channel named what they answer); skipped")]
    private static partial void LogUnreadable(ILogger logger, string source, string channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "replay: no tick parser for source {Source}; its frames are skipped")]
    private static partial void LogNoParser(ILogger logger, string source);
}
