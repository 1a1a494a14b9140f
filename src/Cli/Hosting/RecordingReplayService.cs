using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Recording;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// <c>up --replay DIR</c>: pushes recorded frames through the same parsers the live connectors use, into the raw
/// topics, once; the rest of the pipeline keeps running so the results can be watched and queried.
/// </summary>
internal sealed partial class RecordingReplayService(
    ReplayDirectory directory, FrameReplayer replayer, IRawSink sink, ILogger<RecordingReplayService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var summary = await replayer.ReplayAsync(directory.Path, sink, stoppingToken).ConfigureAwait(false);
        if (sink is IFlushableRawSink flushable)
        {
            await flushable.FlushAsync(stoppingToken).ConfigureAwait(false);
        }

        LogReplayed(logger, summary.Frames, directory.Path, summary.Ticks, summary.Rejected);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Replayed {Frames} frames from {Directory}: {Ticks} ticks, {Rejected} rejected to dlq.extractors")]
    private static partial void LogReplayed(ILogger logger, long frames, string directory, long ticks, long rejected);
}

/// <summary>The folder of recordings <c>up --replay</c> reads.</summary>
internal sealed record ReplayDirectory(string Path);
