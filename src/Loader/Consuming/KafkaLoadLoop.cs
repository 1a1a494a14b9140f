using System.Collections.Immutable;
using System.Globalization;
using System.Net.Sockets;
using Confluent.Kafka;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Logging;
using Npgsql;
using Polly;

namespace CryptoStreams.Loader.Consuming;

/// <summary>
/// The consumer loop: consume, batch by size and time, write each batch with its offsets in one transaction.
/// Writing is double-buffered: while one batch is written (on the thread pool), the loop consumes and maps the next,
/// so the JSON mapping overlaps the database work. At most one batch is in flight; the next one expects the stored
/// offsets the in-flight one will leave, and is dropped with it if the in-flight batch is refused.
/// The database decides where each partition resumes: on assignment the loop seeks to <c>market.loader_offsets</c>;
/// Kafka commits are only informational. Runs on one thread; rebalance callbacks run inside <c>Consume</c> on it.
/// </summary>
internal sealed partial class KafkaLoadLoop : IDisposable
{
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastAttempt = TimeSpan.FromSeconds(5);

    private readonly LoaderOptions options;
    private readonly BatchWriter writer;
    private readonly LoaderStatus status;
    private readonly LoaderMetrics metrics;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly ResiliencePipeline retry;

    // Partitions assigned to this loader → the database's next offset as last seen (null: no row yet).
    private readonly Dictionary<TopicPartitionKey, long?> stored = [];

    // Next offset to consume per assigned partition, for lag.
    private readonly Dictionary<TopicPartitionKey, long> consumed = [];

    private IConsumer<byte[], byte[]>? consumer;
    private LoadBatch batch;

    // The batch being written, if any: written by a pool thread, completed (Committed, rewound) on the loop thread.
    private InFlightBatch? inFlight;
    private DateTimeOffset batchDeadline;
    private CancellationToken stopping;

    public KafkaLoadLoop(LoaderOptions options, BatchWriter writer, LoaderStatus status, LoaderMetrics metrics, TimeProvider clock, ILogger logger)
    {
        this.options = options;
        this.writer = writer;
        this.status = status;
        this.metrics = metrics;
        this.clock = clock;
        this.logger = logger;
        batch = NewBatch();
        // Data errors never get here: BatchWriter isolates the refused rows and dead-letters them. What is left is
        // transient (connection, shutdown, serialization, deadlock) or needs an operator (a missing table); either way
        // the batch is retried as it is and the offsets do not move.
        retry = LoaderRetry.Build(
            options,
            clock,
            new PredicateBuilder()
                .Handle<NpgsqlException>()
                .Handle<SocketException>()
                .Handle<TimeoutException>()
                .Handle<KafkaException>(),
            args =>
            {
                var error = args.Outcome.Exception?.Message ?? "unknown error";
                var kind = args.Outcome.Exception is { } failure ? PostgresFailures.Classify(failure) : WriteFailureKind.Other;
                LogRetrying(args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, kind, error);
                metrics.Retried();
                status.Update(s => s with { State = LoaderState.Retrying, LastError = error, UpdatedAt = clock.GetUtcNow() });
                return default;
            });
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        stopping = cancellationToken;
        consumer = BuildConsumer();
        consumer.Subscribe(options.Topics);
#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogStarted(options.GroupId, string.Join(", ", options.Topics), options.BatchSize, options.BatchLinger.TotalMilliseconds);
        }
#pragma warning restore CA1873
        status.Update(s => s with { State = LoaderState.Running, UpdatedAt = clock.GetUtcNow() });

        var progress = new ProgressWindow(clock.GetUtcNow());
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                ConsumeOne();
                if (inFlight is { Write.IsCompleted: true })
                {
                    // Record the commit (offsets, status, lag) without waiting for the next batch to fill.
                    await CompleteInFlightAsync(cancellationToken).ConfigureAwait(false);
                }

                if (batch.RecordCount >= options.BatchSize || (batch.RecordCount > 0 && clock.GetUtcNow() >= batchDeadline))
                {
                    await FlushAsync(cancellationToken).ConfigureAwait(false);
                }

                if (clock.GetUtcNow() - progress.Start >= options.ProgressInterval)
                {
                    progress = ReportProgress(progress);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await FlushBeforeStoppingAsync().ConfigureAwait(false);
            consumer.Close();
            status.Update(s => s with { State = LoaderState.Stopped, UpdatedAt = clock.GetUtcNow() });
            LogStopped(status.Current.RecordsConsumed, status.Current.Batches);
        }
    }

    public void Dispose()
    {
        consumer?.Dispose();
    }

    private void ConsumeOne()
    {
        var wait = batch.RecordCount == 0 ? MaxPoll : batchDeadline - clock.GetUtcNow();
        wait = wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxPoll ? MaxPoll : wait;
        ConsumeResult<byte[], byte[]>? result;
        try
        {
            result = consumer!.Consume(wait);
        }
        catch (ConsumeException ex)
        {
            LogConsumeError(ex.Error.Code.ToString(), ex.Error.Reason);
            return;
        }

        if (result is null || result.IsPartitionEOF || result.Message is null)
        {
            return;
        }

        var record = new ConsumedRecord(result.Topic, result.Partition.Value, result.Offset.Value, result.Message.Key, result.Message.Value,
            new DateTimeOffset(result.Message.Timestamp.UtcDateTime, TimeSpan.Zero));
        if (batch.RecordCount == 0)
        {
            batchDeadline = clock.GetUtcNow() + options.BatchLinger;
        }

        batch.Add(record);
        consumed[record.Source] = record.Offset + 1;
    }

    [LoggerMessage(EventId = 5100, Level = LogLevel.Information, Message = "Loader consuming group {GroupId} from {Topics}; batches of {BatchSize} records or {LingerMs} ms")]
    private partial void LogStarted(string groupId, string topics, int batchSize, double lingerMs);

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Assigned {Partitions} (resuming at the offsets stored in market.loader_offsets)")]
    private partial void LogAssigned(string partitions);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Information, Message = "Revoked {Partitions}")]
    private partial void LogRevoked(string partitions);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Debug, Message = "Batch of {Records} records committed: {RowsChanged} rows changed, {DeadLetters} dead letters, {LatencyMs:F1} ms")]
    private partial void LogBatchWritten(int records, int rowsChanged, int deadLetters, double latencyMs);

    [LoggerMessage(EventId = 5104, Level = LogLevel.Information, Message = "Loaded {Records} records ({RowsPerSecond:F0}/s) in {Batches} batches, last batch {LatencyMs:F1} ms; lag {TotalLag}: {LagPerPartition}")]
    private partial void LogProgress(long records, double rowsPerSecond, long batches, double latencyMs, long totalLag, string lagPerPartition);

    [LoggerMessage(EventId = 5105, Level = LogLevel.Warning, Message = "Writing the batch failed ({Kind}), attempt {Attempt} in {DelayMs:F0} ms; offsets have not moved: {Error}")]
    private partial void LogRetrying(int attempt, double delayMs, WriteFailureKind kind, string error);

    [LoggerMessage(EventId = 5106, Level = LogLevel.Warning, Message = "Batch refused: {Reason}")]
    private partial void LogStaleBatch(string reason);

    [LoggerMessage(EventId = 5107, Level = LogLevel.Warning, Message = "Dead letter {Reason} from {Topic}[{Partition}]@{Offset}: {Error}")]
    private partial void LogDeadLettered(string reason, string? topic, int? partition, long? offset, string error);

    [LoggerMessage(EventId = 5108, Level = LogLevel.Warning, Message = "Dropped an unwritten batch of {Records} records; they will be read again from the stored offsets ({Reason})")]
    private partial void LogBatchDropped(int records, string reason);

    [LoggerMessage(EventId = 5109, Level = LogLevel.Error, Message = "Consume failed ({Code}): {Reason}")]
    private partial void LogConsumeError(string code, string reason);

    [LoggerMessage(EventId = 5110, Level = LogLevel.Warning, Message = "Kafka client error ({Code}): {Reason}")]
    private partial void LogKafkaError(string code, string reason);

    [LoggerMessage(EventId = 5112, Level = LogLevel.Information, Message = "Loader stopped after {Records} records in {Batches} batches; offsets are in market.loader_offsets")]
    private partial void LogStopped(long records, long batches);

    [LoggerMessage(EventId = 5111, Level = LogLevel.Debug, Message = "Committing offsets to Kafka failed (informational only): {Reason}")]
    private partial void LogKafkaCommitFailed(string reason);
}
