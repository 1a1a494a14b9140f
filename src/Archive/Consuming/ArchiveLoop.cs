using System.Collections.Immutable;
using System.Diagnostics;
using Confluent.Kafka;
using CryptoStreams.Archive.Destinations;
using CryptoStreams.Archive.Layout;
using CryptoStreams.Archive.Parquet;
using CryptoStreams.Schema.Kafka;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace CryptoStreams.Archive.Consuming;

/// <summary>
/// The archive's consumer loop. Each assigned partition writes one staged file at a time; a file is published (fsync,
/// then rename or upload) when it reaches <see cref="ArchiveOptions.MaxFileBytes"/>, when it is
/// <see cref="ArchiveOptions.MaxFileAge"/> old, when a record of a later hour arrives, on revocation and on a clean stop.
/// Only then are its offsets committed to Kafka — and those commits are informational: on assignment the loop resumes
/// each partition one past the highest last offset among the published files, so a crash between publishing and
/// committing re-reads nothing into a second file, and a crash before publishing loses nothing (the staged file is
/// deleted and its records are read again). Runs on one thread; rebalance callbacks run inside <c>Consume</c> on it.
/// </summary>
internal sealed partial class ArchiveLoop : IDisposable
{
    private static readonly TimeSpan MaxPoll = TimeSpan.FromMilliseconds(100);

    private readonly ArchiveOptions options;
    private readonly IArchiveDestination destination;
    private readonly ArchiveDeadLetters deadLetters;
    private readonly ArchiveStatus status;
    private readonly ArchiveMetrics metrics;
    private readonly TimeProvider clock;
    private readonly ILogger logger;
    private readonly ResiliencePipeline retry;

    private readonly Dictionary<ArchivePartition, StagedFile> open = [];

    // Next offset to consume per assigned partition, for lag.
    private readonly Dictionary<ArchivePartition, long> position = [];
    private IConsumer<byte[], byte[]>? consumer;
    private CancellationToken stopping;
    private long consumedRows;

    public ArchiveLoop(
        ArchiveOptions options, IArchiveDestination destination, ArchiveDeadLetters deadLetters, ArchiveStatus status, ArchiveMetrics metrics, TimeProvider clock, ILogger logger)
    {
        this.options = options;
        this.destination = destination;
        this.deadLetters = deadLetters;
        this.status = status;
        this.metrics = metrics;
        this.clock = clock;
        this.logger = logger;
        retry = new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                // Storage and broker failures are transient or need an operator; the file stays staged, offsets unmoved.
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => e is not OperationCanceledException),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = TimeSpan.FromMilliseconds(200),
                MaxDelay = TimeSpan.FromSeconds(30),
                OnRetry = args =>
                {
                    var error = args.Outcome.Exception?.Message ?? "unknown error";
                    LogRetrying(args.AttemptNumber + 1, args.RetryDelay.TotalMilliseconds, error);
                    metrics.Failed();
                    status.Update(s => s with { State = ArchiveState.Retrying, LastError = error, UpdatedAt = clock.GetUtcNow() });
                    return default;
                },
            })
            .Build();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        stopping = cancellationToken;
        consumer = BuildConsumer();
        consumer.Subscribe(ArchiveTables.Topics);
        LogStarted(options.GroupId, destination.Description, options.MaxFileBytes, options.MaxFileAge.TotalMinutes);
        status.Update(s => s with { State = ArchiveState.Running, UpdatedAt = clock.GetUtcNow() });
        var progress = new ProgressWindow(clock.GetUtcNow(), 0);
        var nextRollCheck = clock.GetUtcNow();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var result = Consume();
                if (result is not null)
                {
                    await ArchiveAsync(result, cancellationToken).ConfigureAwait(false);
                }

                var now = clock.GetUtcNow();
                if (now >= nextRollCheck)
                {
                    await PublishAgedAsync(now, cancellationToken).ConfigureAwait(false);
                    nextRollCheck = now + TimeSpan.FromSeconds(1);
                }

                if (now - progress.Start >= options.ProgressInterval)
                {
                    progress = ReportProgress(progress, now);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            await PublishBeforeStoppingAsync().ConfigureAwait(false);
            consumer.Close();
            status.Update(s => s with { State = ArchiveState.Stopped, OpenFiles = 0, BufferedRows = 0, UpdatedAt = clock.GetUtcNow() });
            LogStopped(status.Current.Files, status.Current.Rows);
        }
    }

    public void Dispose() => consumer?.Dispose();

    private ConsumeResult<byte[], byte[]>? Consume()
    {
        try
        {
            var result = consumer!.Consume(MaxPoll);
            return result is null || result.IsPartitionEOF || result.Message is null ? null : result;
        }
        catch (ConsumeException ex)
        {
            LogConsumeError(ex.Error.Code.ToString(), ex.Error.Reason);
            return null;
        }
    }

    private async Task ArchiveAsync(ConsumeResult<byte[], byte[]> result, CancellationToken cancellationToken)
    {
        var partition = new ArchivePartition(result.Topic, result.Partition.Value);
        var timestamp = new DateTimeOffset(result.Message.Timestamp.UtcDateTime, TimeSpan.Zero);
        position[partition] = result.Offset.Value + 1;
        consumedRows++;
        if (open.TryGetValue(partition, out var file) && ArchiveFile.HourOf(timestamp) > file.Hour)
        {
            // One hour folder per file: a record of a later hour starts the next file (late records stay where they are).
            await PublishAsync(file, cancellationToken).ConfigureAwait(false);
            file = null;
        }

        if (file is null)
        {
            file = StagedFile.Open(destination.StagingDirectory, partition, result.Offset.Value, timestamp, clock.GetUtcNow());
            open[partition] = file;
        }

        if (result.Message.Value is not { } value)
        {
            deadLetters.Send(result, "tombstone", "a null value is not a record");
            file.Skip(result.Offset.Value);
        }
        else
        {
            try
            {
                file.Add(result.Offset.Value, timestamp, result.Message.Key, value);
            }
            catch (RecordFormatException ex)
            {
                deadLetters.Send(result, "unparseable", ex.Message);
                file.Skip(result.Offset.Value);
                LogDeadLettered(partition, result.Offset.Value, ex.Message);
            }
        }

        if (file.BufferedRows >= options.RowGroupRows)
        {
            await file.FlushRowGroupAsync(cancellationToken).ConfigureAwait(false);
            if (file.Bytes >= options.MaxFileBytes)
            {
                await PublishAsync(file, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task PublishAgedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var file in open.Values.Where(f => now - f.OpenedAt >= options.MaxFileAge).ToList())
        {
            await PublishAsync(file, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Finishes the file (footer, fsync), waits for its dead letters to be acknowledged, publishes it, then commits
    /// its offsets. Failures are retried with the file staged; the offsets move only after the publish.
    /// </summary>
    private async Task PublishAsync(StagedFile file, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var published = await file.FinishAsync(cancellationToken).ConfigureAwait(false);
        await retry.ExecuteAsync(
            async token =>
            {
                await deadLetters.FlushAsync(token).ConfigureAwait(false);
                await destination.PublishAsync(file.Path, published, token).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        open.Remove(file.Partition);
        var elapsed = Stopwatch.GetElapsedTime(started);
        metrics.Published(elapsed);
        LogPublished(published.RelativePath, file.Rows, file.Bytes, elapsed.TotalMilliseconds);
        try
        {
            consumer!.Commit([new TopicPartitionOffset(file.Partition.Topic, file.Partition.Partition, published.LastOffset + 1)]);
        }
        catch (KafkaException ex)
        {
            // Informational only: the archive resumes from the published files.
            LogKafkaCommitFailed(ex.Error.Reason);
        }

        status.Update(s => s with
        {
            State = ArchiveState.Running,
            Files = s.Files + 1,
            Rows = s.Rows + file.Rows,
            Bytes = s.Bytes + file.Bytes,
            DeadLetters = deadLetters.Delivered,
            OpenFiles = open.Count,
            LastFile = published.RelativePath,
            LastError = null,
            UpdatedAt = clock.GetUtcNow(),
        });
    }

    private async Task PublishBeforeStoppingAsync()
    {
        // One bounded attempt per file: what is not published now is read again from the published position next time.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        foreach (var file in open.Values.ToList())
        {
            try
            {
                await PublishAsync(file, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                LogDropped(file.Partition, file.Rows, "stopping took too long");
                await DropAsync(file).ConfigureAwait(false);
            }
        }
    }

    private async Task DropAsync(StagedFile file)
    {
        open.Remove(file.Partition);
        await file.DisposeAsync().ConfigureAwait(false);
        file.Delete();
    }

    private IConsumer<byte[], byte[]> BuildConsumer() =>
        new ConsumerBuilder<byte[], byte[]>(StageKafkaClients.Consumer(options.BootstrapServers, options.GroupId, "cryptostreams-archive", options.Kafka))
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetErrorHandler((_, error) => LogKafkaError(error.Code.ToString(), error.Reason))
            .Build();

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> c, List<TopicPartition> partitions)
    {
        var keys = partitions.Select(tp => new ArchivePartition(tp.Topic, tp.Partition.Value)).ToList();
        // The published files are the truth of where each partition stands (rebalance callbacks are synchronous).
        var resume = retry.ExecuteAsync(
            async token =>
            {
                var files = new List<ArchiveFile>();
                foreach (var topic in keys.Select(k => k.Topic).Distinct(StringComparer.Ordinal))
                {
                    files.AddRange(await destination.ListAsync(topic, token).ConfigureAwait(false));
                }

                return ResumePositions.From(files);
            },
            stopping).AsTask().GetAwaiter().GetResult();
        var assigned = new List<TopicPartitionOffset>();
        foreach (var key in keys)
        {
            var stale = StagedFile.DeleteStale(destination.StagingDirectory, key);
            if (stale > 0)
            {
                LogStaleDeleted(stale, key);
            }

            position.Remove(key);
            assigned.Add(new TopicPartitionOffset(key.Topic, key.Partition, resume.TryGetValue(key, out var next) ? new Offset(next) : Offset.Beginning));
        }

        if (logger.IsEnabled(LogLevel.Information))
        {
#pragma warning disable CA1873 // guarded: the string is built only when the message is logged
            LogAssigned(string.Join(", ", assigned.Select(a => $"{a.Topic}[{a.Partition.Value}]@{(a.Offset == Offset.Beginning ? "start" : a.Offset.Value.ToString(System.Globalization.CultureInfo.InvariantCulture))}")));
#pragma warning restore CA1873
        }
        return assigned;
    }

    private void OnRevoked(IConsumer<byte[], byte[]> c, List<TopicPartitionOffset> partitions)
    {
        // Publish what the revoked partitions have, so the next owner starts after it.
        foreach (var p in partitions)
        {
            var key = new ArchivePartition(p.Topic, p.Partition.Value);
            if (open.TryGetValue(key, out var file))
            {
                try
                {
                    PublishAsync(file, stopping).GetAwaiter().GetResult();
                }
                catch (OperationCanceledException)
                {
                    DropAsync(file).GetAwaiter().GetResult();
                }
            }

            position.Remove(key);
        }
    }

    private void OnLost(IConsumer<byte[], byte[]> c, List<TopicPartitionOffset> partitions)
    {
        // Another member may own these already: publish nothing from here.
        foreach (var p in partitions)
        {
            var key = new ArchivePartition(p.Topic, p.Partition.Value);
            if (open.TryGetValue(key, out var file))
            {
                LogDropped(key, file.Rows, "partitions lost");
                DropAsync(file).GetAwaiter().GetResult();
            }

            position.Remove(key);
        }
    }

    private ImmutableDictionary<ArchivePartition, long> MeasureLag()
    {
        var lag = ImmutableDictionary.CreateBuilder<ArchivePartition, long>();
        foreach (var tp in consumer!.Assignment)
        {
            var marks = consumer.GetWatermarkOffsets(tp);
            if (marks is null || marks.High == Offset.Unset)
            {
                continue;
            }

            var key = new ArchivePartition(tp.Topic, tp.Partition.Value);
            var at = position.TryGetValue(key, out var next) ? next : marks.Low.Value;
            lag[key] = Math.Max(0, marks.High.Value - at);
        }

        return lag.ToImmutable();
    }

    private ProgressWindow ReportProgress(ProgressWindow window, DateTimeOffset now)
    {
        var seconds = (now - window.Start).TotalSeconds;
        var rate = seconds > 0 ? (consumedRows - window.Rows) / seconds : 0;
        var lag = MeasureLag();
        var buffered = open.Values.Sum(f => f.Rows);
        status.Update(s => s with { RowsPerSecond = rate, Lag = lag, OpenFiles = open.Count, BufferedRows = buffered, DeadLetters = deadLetters.Delivered, UpdatedAt = now });
        var snapshot = status.Current;
        LogProgress(rate, snapshot.Files, snapshot.Rows, snapshot.Bytes, open.Count, buffered, snapshot.TotalLag);
        return new ProgressWindow(now, consumedRows);
    }

    private readonly record struct ProgressWindow(DateTimeOffset Start, long Rows);

    [LoggerMessage(EventId = 6100, Level = LogLevel.Information, Message = "Archive consuming group {GroupId} into {Destination}; files roll at {MaxBytes} bytes or {MaxAgeMinutes} min")]
    private partial void LogStarted(string groupId, string destination, long maxBytes, double maxAgeMinutes);

    [LoggerMessage(EventId = 6101, Level = LogLevel.Information, Message = "Assigned {Partitions} (resuming after the published files)")]
    private partial void LogAssigned(string partitions);

    [LoggerMessage(EventId = 6102, Level = LogLevel.Debug, Message = "Published {File}: {Rows} rows, {Bytes} bytes, {ElapsedMs:F1} ms")]
    private partial void LogPublished(string file, long rows, long bytes, double elapsedMs);

    [LoggerMessage(EventId = 6103, Level = LogLevel.Information, Message = "Archive {RowsPerSecond:F0} rows/s; published {Files} files, {Rows} rows, {Bytes} bytes; {OpenFiles} open ({Buffered} rows); lag {Lag}")]
    private partial void LogProgress(double rowsPerSecond, long files, long rows, long bytes, int openFiles, long buffered, long lag);

    [LoggerMessage(EventId = 6104, Level = LogLevel.Warning, Message = "Publishing failed, attempt {Attempt} in {DelayMs:F0} ms; the file stays staged and offsets have not moved: {Error}")]
    private partial void LogRetrying(int attempt, double delayMs, string error);

    [LoggerMessage(EventId = 6105, Level = LogLevel.Warning, Message = "Dead letter from {Partition}@{Offset}: {Error}")]
    private partial void LogDeadLettered(ArchivePartition partition, long offset, string error);

    [LoggerMessage(EventId = 6106, Level = LogLevel.Warning, Message = "Dropped the unpublished file of {Partition} ({Rows} rows); they will be read again ({Reason})")]
    private partial void LogDropped(ArchivePartition partition, long rows, string reason);

    [LoggerMessage(EventId = 6107, Level = LogLevel.Information, Message = "Deleted {Count} staged file(s) of {Partition} left by an earlier run")]
    private partial void LogStaleDeleted(int count, ArchivePartition partition);

    [LoggerMessage(EventId = 6108, Level = LogLevel.Error, Message = "Consume failed ({Code}): {Reason}")]
    private partial void LogConsumeError(string code, string reason);

    [LoggerMessage(EventId = 6109, Level = LogLevel.Warning, Message = "Kafka client error ({Code}): {Reason}")]
    private partial void LogKafkaError(string code, string reason);

    [LoggerMessage(EventId = 6110, Level = LogLevel.Debug, Message = "Committing offsets to Kafka failed (informational only): {Reason}")]
    private partial void LogKafkaCommitFailed(string reason);

    [LoggerMessage(EventId = 6111, Level = LogLevel.Information, Message = "Archive stopped after {Files} files, {Rows} rows")]
    private partial void LogStopped(long files, long rows);
}
