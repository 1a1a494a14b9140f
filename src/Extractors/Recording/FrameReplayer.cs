using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Recording;

/// <summary>What a replay did.</summary>
public sealed record ReplaySummary(long Frames, long Ticks, long Rejected, long WithoutParser);

/// <summary>
/// <c>cryptostreams replay DIR</c>: pushes recorded frames, in receive-time order, through the same
/// <see cref="IFrameParser"/> the live connector used (chosen by source), with the recorded receive time, so the
/// raw topics get the same ticks as when the frames arrived. Rejected frames go to the dead-letter topic.
/// Frames of a source with no tick parser (the Chainlink RPC answers) are counted and skipped.
/// </summary>
public sealed partial class FrameReplayer
{
    private readonly Dictionary<string, IFrameParser> _parsers;
    private readonly ILogger<FrameReplayer> _logger;

    public FrameReplayer(IEnumerable<IFrameParser> parsers, ILogger<FrameReplayer> logger)
    {
        ArgumentNullException.ThrowIfNull(parsers);
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
        long frames = 0, ticks = 0, rejected = 0, withoutParser = 0;
        var unparsedSources = new HashSet<string>(StringComparer.Ordinal);
        foreach (var frame in FrameRecordingReader.ReadAll(directory))
        {
            cancellationToken.ThrowIfCancellationRequested();
            frames++;
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

        return new ReplaySummary(frames, ticks, rejected, withoutParser);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "replay: no tick parser for source {Source}; its frames are skipped")]
    private static partial void LogNoParser(ILogger logger, string source);
}
