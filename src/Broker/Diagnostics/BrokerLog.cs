using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Diagnostics;

/// <summary>Source-generated log messages of the broker.</summary>
internal static partial class BrokerLog
{
    [LoggerMessage(1, LogLevel.Information, "Embedded broker listening on {Endpoint}, advertised as {Advertised}, data in {DataDirectory}")]
    public static partial void Listening(ILogger logger, string endpoint, string advertised, string dataDirectory);

    [LoggerMessage(2, LogLevel.Information, "Embedded broker stopped")]
    public static partial void Stopped(ILogger logger);

    [LoggerMessage(3, LogLevel.Debug, "Connection {Connection} from {Remote} opened")]
    public static partial void ConnectionOpened(ILogger logger, long connection, string? remote);

    [LoggerMessage(4, LogLevel.Debug, "Connection {Connection} closed")]
    public static partial void ConnectionClosed(ILogger logger, long connection);

    [LoggerMessage(5, LogLevel.Warning, "Connection {Connection} from {Remote} closed: {Reason}")]
    public static partial void ConnectionRejected(ILogger logger, long connection, string? remote, string reason);

    [LoggerMessage(6, LogLevel.Error, "Request {ApiKey} v{Version} on connection {Connection} failed")]
    public static partial void RequestFailed(ILogger logger, Exception exception, short apiKey, short version, long connection);

    [LoggerMessage(7, LogLevel.Warning, "Recovered segment {Path}: truncated {Bytes} bytes of incomplete or corrupt tail")]
    public static partial void SegmentTruncated(ILogger logger, string path, long bytes);

    [LoggerMessage(8, LogLevel.Information, "Created topic {Topic} with {Partitions} partitions")]
    public static partial void TopicCreated(ILogger logger, string topic, int partitions);

    [LoggerMessage(9, LogLevel.Information, "Deleted topic {Topic}")]
    public static partial void TopicDeleted(ILogger logger, string topic);

    [LoggerMessage(10, LogLevel.Information, "Group {Group} generation {Generation}: {Members} members, leader {Leader}, protocol {Protocol}")]
    public static partial void GroupRebalanced(ILogger logger, string group, int generation, int members, string leader, string? protocol);

    [LoggerMessage(11, LogLevel.Information, "Group {Group}: member {Member} removed ({Reason})")]
    public static partial void MemberRemoved(ILogger logger, string group, string member, string reason);

    [LoggerMessage(12, LogLevel.Information, "Transaction {TransactionalId} (producer {ProducerId} epoch {Epoch}) {Outcome} over {Partitions} partitions")]
    public static partial void TransactionEnded(ILogger logger, string transactionalId, long producerId, short epoch, string outcome, int partitions);

    [LoggerMessage(13, LogLevel.Warning, "Transaction {TransactionalId} (producer {ProducerId}) timed out and was aborted")]
    public static partial void TransactionTimedOut(ILogger logger, string transactionalId, long producerId);

    [LoggerMessage(14, LogLevel.Information, "Retention removed {Segments} segments of {Topic}-{Partition}")]
    public static partial void RetentionDeleted(ILogger logger, int segments, string topic, int partition);

    [LoggerMessage(15, LogLevel.Information, "Compacted {Topic}-{Partition}: {Before} → {After} bytes")]
    public static partial void Compacted(ILogger logger, string topic, int partition, long before, long after);

    [LoggerMessage(16, LogLevel.Error, "Background {Task} failed")]
    public static partial void BackgroundFailed(ILogger logger, Exception exception, string task);

    [LoggerMessage(17, LogLevel.Warning, "Coordinator state file {Path}: ignored {Bytes} bytes of incomplete or corrupt tail")]
    public static partial void JournalTruncated(ILogger logger, string path, long bytes);

    [LoggerMessage(18, LogLevel.Warning, "Connection {Connection}: unsupported {ApiKey} v{Version}")]
    public static partial void UnsupportedRequest(ILogger logger, long connection, short apiKey, short version);

    [LoggerMessage(19, LogLevel.Warning, "Commit journal: restored {Batches} record batches that segments had lost; {Gaps} batches could not be placed (log end before them)")]
    public static partial void JournalRestored(ILogger logger, int batches, int gaps);

    [LoggerMessage(20, LogLevel.Warning, "Commit journal: background work failed (a spare file could not be prepared, or a full file's segments could not be flushed; that file stays and is replayed on the next start)")]
    public static partial void JournalBackgroundFailed(ILogger logger, Exception exception);
}
