using CryptoStreams.Broker.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Background log maintenance: rolls segments due by age, deletes sealed segments past retention (time, size,
/// or wholly below the log start after DeleteRecords) and compacts <c>compact</c> topics. The active segment
/// is never touched.
/// </summary>
internal sealed class LogCleaner
{
    private readonly TopicStore _topics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly LogCompactor _compactor;

    public LogCleaner(TopicStore topics, TimeProvider time, ILogger logger)
    {
        _topics = topics;
        _time = time;
        _logger = logger;
        _compactor = new LogCompactor(time, logger);
    }

    private readonly List<LogSegment> _doomed = [];

    public void Run()
    {
        var doomed = _doomed.ToList();
        _doomed.Clear();
        foreach (var segment in doomed)
        {
            segment.Delete();
        }

        foreach (var topic in _topics.All())
        {
            foreach (var log in topic.Partitions)
            {
                try
                {
                    Clean(topic.Config, log);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
                {
                    BrokerLog.BackgroundFailed(_logger, ex, $"cleaning {log.Topic}-{log.Partition}");
                }
            }
        }
    }

    private void Clean(TopicConfig config, PartitionLog log)
    {
        log.RollIfDue();
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var retentionMs = config.IsDeleteRetention ? config.RetentionMilliseconds : -1;
        var retentionBytes = config.IsDeleteRetention ? config.RetentionByteLimit : -1;
        var logStart = log.LogStartOffset;
        var removed = log.RemoveOldSegments((segment, remainingBytes) =>
            segment.NextOffset <= logStart ||
            (retentionMs >= 0 && segment.MaxTimestamp >= 0 && now - segment.MaxTimestamp > retentionMs) ||
            (retentionMs >= 0 && segment.MaxTimestamp < 0 && segment.IsEmpty) ||
            (retentionBytes >= 0 && remainingBytes - segment.Size >= retentionBytes));
        // Fetches may still be reading a removed segment: its file goes on the next run.
        foreach (var segment in removed)
        {
            _doomed.Add(segment);
        }

        if (removed.Count > 0)
        {
            BrokerLog.RetentionDeleted(_logger, removed.Count, log.Topic, log.Partition);
        }

        if (config.IsCompacted)
        {
            _compactor.Compact(config, log);
        }
    }
}
