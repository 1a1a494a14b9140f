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

    /// <summary>
    /// Waits for the batch in flight, then starts writing the current one (retrying database and broker failures with
    /// backoff until it is written or refused) and goes back to consuming while it is written.
    /// </summary>
    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (!await CompleteInFlightAsync(cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var pending = batch;
        // Not linked to the stop token: a stop first gives the write LastAttempt to finish (SettleInFlight).
        var cancel = new CancellationTokenSource();
        var write = Task.Run(async () => await retry.ExecuteAsync(async token => await WriteAsync(pending, token).ConfigureAwait(false), cancel.Token).ConfigureAwait(false), cancel.Token);
        inFlight = new InFlightBatch(pending, write, cancel);
        batch = NewBatch();
    }

    /// <summary>
    /// Waits for the batch in flight and records its commit. When it was refused, rewinds to the stored offsets and
    /// drops the batch being built too (it was built on the refused one's offsets); returns false then.
    /// </summary>
    private async Task<bool> CompleteInFlightAsync(CancellationToken cancellationToken)
    {
        if (inFlight is not { } written)
        {
            return true;
        }

        BatchOutcome outcome;
        try
        {
            // A stop while waiting leaves the batch in flight for SettleInFlight.
            outcome = await written.Write.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StaleBatchException ex)
        {
            Release(written);
            LogStaleBatch(ex.Message);
            metrics.StaleBatch();
            await RewindAsync([written.Batch, batch], cancellationToken).ConfigureAwait(false);
            batch = NewBatch();
            return false;
        }

        Release(written);
        Committed(written.Batch, outcome);
        return true;
    }

    /// <summary>
    /// For a rebalance or a stop: gives the batch in flight <see cref="LastAttempt"/> to commit, then cancels it. Either
    /// way the stored offsets say what was written, and whoever reads these partitions next starts from them.
    /// </summary>
    private void SettleInFlight()
    {
        if (inFlight is not { } written)
        {
            return;
        }

        try
        {
            if (!((IAsyncResult)written.Write).AsyncWaitHandle.WaitOne(LastAttempt))
            {
                written.Cancel.Cancel();
            }

            Committed(written.Batch, written.Write.GetAwaiter().GetResult());
        }
        catch (Exception ex) when (written.Write.IsFaulted || written.Write.IsCanceled)
        {
            // Whatever failed the write was already reported where it was awaited, or is reported here; the batch is
            // read again from the stored offsets by whoever owns its partitions next.
            LogBatchDropped(written.Batch.RecordCount, ex.Message);
        }
        finally
        {
            Release(written);
        }
    }

    private void Release(InFlightBatch written)
    {
        inFlight = null;
        written.Cancel.Dispose();
    }

    // The writer delivers the batch's dead letters (unmappable and refused records) to dlq.loader before its commit.
    private Task<BatchOutcome> WriteAsync(LoadBatch pending, CancellationToken cancellationToken) => writer.WriteAsync(pending, cancellationToken);

    private void Committed(LoadBatch written, BatchOutcome outcome)
    {
        foreach (var rejected in outcome.DeadLetters)
        {
            LogDeadLettered(rejected.Letter.Reason, rejected.Letter.Topic, rejected.Letter.Partition, rejected.Letter.Offset, rejected.Letter.Error);
            metrics.DeadLettered(rejected.Letter.Reason);
        }

        foreach (var range in written.Partitions)
        {
            stored[range.Partition] = range.NextOffset;
        }

        if (options.CommitToKafka)
        {
            try
            {
                consumer!.Commit(written.Partitions.Select(r => new TopicPartitionOffset(r.Partition.Topic, r.Partition.Partition, r.NextOffset)));
            }
            catch (KafkaException ex)
            {
                // Informational only: the loader resumes from market.loader_offsets.
                LogKafkaCommitFailed(ex.Error.Reason);
            }
        }

        metrics.BatchWritten(written.RecordCount, written.RowsPerTable, outcome.Elapsed);
        LogBatchWritten(written.RecordCount, outcome.RowsChanged, outcome.DeadLetters.Count, outcome.Elapsed.TotalMilliseconds);
        var lag = MeasureLag();
        status.Update(s => s with
        {
            State = LoaderState.Running,
            RecordsConsumed = s.RecordsConsumed + written.RecordCount,
            RowsWritten = s.RowsWritten + outcome.RowsChanged,
            DeadLetters = s.DeadLetters + outcome.DeadLetters.Count,
            Batches = s.Batches + 1,
            LastBatchLatency = outcome.Elapsed,
            Lag = lag,
            LastError = null,
            UpdatedAt = clock.GetUtcNow(),
        });
        written.ReturnRowMemory();
    }

    /// <summary>
    /// After a refused batch: seek every assigned partition back to what the database says (or, where it has no
    /// offset yet, to the first record of the dropped batches), so nothing is skipped and nothing is written twice.
    /// </summary>
    private async Task RewindAsync(IReadOnlyList<LoadBatch> dropped, CancellationToken cancellationToken)
    {
        var assigned = consumer!.Assignment.Select(tp => new TopicPartitionKey(tp.Topic, tp.Partition.Value)).ToList();
        var offsets = await retry.ExecuteAsync(
            async token => await writer.ReadOffsetsAsync(assigned.Select(p => p.Topic).Distinct(StringComparer.Ordinal), token).ConfigureAwait(false),
            cancellationToken).ConfigureAwait(false);
        var firstDropped = dropped.SelectMany(b => b.Partitions).GroupBy(r => r.Partition).ToDictionary(g => g.Key, g => g.Min(r => r.FirstOffset));
        foreach (var partition in assigned)
        {
            long? target = offsets.TryGetValue(partition, out var o) ? o : null;
            stored[partition] = target;
            target ??= firstDropped.TryGetValue(partition, out var first) ? first : null;
            if (target is { } offset)
            {
                consumer.Seek(new TopicPartitionOffset(partition.Topic, partition.Partition, offset));
                consumed.Remove(partition);
            }
        }
    }

    private async Task FlushBeforeStoppingAsync()
    {
        SettleInFlight();
        if (batch.RecordCount == 0 || consumer is null)
        {
            return;
        }

        // One bounded attempt: what is not written now is read again from the stored offsets next time.
        using var timeout = new CancellationTokenSource(LastAttempt);
        try
        {
            var pending = batch;
            Committed(pending, await WriteAsync(pending, timeout.Token).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is NpgsqlException or KafkaException or StaleBatchException or OperationCanceledException or SocketException or TimeoutException)
        {
            LogBatchDropped(batch.RecordCount, ex.Message);
        }
        finally
        {
            batch = NewBatch();
        }
    }

    private IConsumer<byte[], byte[]> BuildConsumer() =>
        new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.GroupId,
            ClientId = "cryptostreams-loader",
            EnableAutoCommit = false,
            EnableAutoOffsetStore = false,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            // The loader reads no headers: librdkafka then does not copy them into every ConsumeResult.
            ConsumeResultFields = "topic,timestamp",
            // Catching up a backlog, one fetch can fill librdkafka's local queue (queued.min.messages), and it then
            // stops fetching for fetch.queue.backoff.ms — a second by default, which held reads to ~150k rec/s.
            FetchQueueBackoffMs = 10,
            // Eager assignors: a rebalance revokes everything, so a dropped batch never leaves a partition half-consumed.
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.Range,
        })
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetErrorHandler((_, error) => LogKafkaError(error.Code.ToString(), error.Reason))
            .Build();

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> c, List<TopicPartition> partitions)
    {
        var keys = partitions.Select(tp => new TopicPartitionKey(tp.Topic, tp.Partition.Value)).ToList();
        // Rebalance callbacks are synchronous; this runs on the loop's own thread inside Consume.
        var offsets = retry.ExecuteAsync(
            async token => await writer.ReadOffsetsAsync(keys.Select(k => k.Topic).Distinct(StringComparer.Ordinal), token).ConfigureAwait(false),
            stopping).AsTask().GetAwaiter().GetResult();
        var assigned = new List<TopicPartitionOffset>();
        foreach (var key in keys)
        {
            long? offset = offsets.TryGetValue(key, out var o) ? o : null;
            stored[key] = offset;
            consumed.Remove(key);
            assigned.Add(new TopicPartitionOffset(key.Topic, key.Partition, offset is { } at ? new Offset(at) : Offset.Unset));
        }

        status.Update(s => s with { AssignedPartitions = stored.Count, UpdatedAt = clock.GetUtcNow() });

#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogAssigned(string.Join(", ", keys.Select(k => $"{k}@{(stored[k] is { } at ? at.ToString(CultureInfo.InvariantCulture) : "start")}")));
        }
#pragma warning restore CA1873
        return assigned;
    }

    private void OnRevoked(IConsumer<byte[], byte[]> c, List<TopicPartitionOffset> partitions)
    {
        // The batches hold records of the revoked partitions. Write them now (the new owner then starts after them) or
        // drop them (the new owner reads them again from the stored offsets); the offset fence makes either safe.
        SettleInFlight();
        if (batch.RecordCount > 0)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            timeout.CancelAfter(LastAttempt);
            var pending = batch;
            try
            {
                Committed(pending, WriteAsync(pending, timeout.Token).GetAwaiter().GetResult());
            }
            catch (Exception ex) when (ex is NpgsqlException or KafkaException or StaleBatchException or OperationCanceledException or SocketException or TimeoutException)
            {
                LogBatchDropped(pending.RecordCount, ex.Message);
            }
            finally
            {
                batch = NewBatch();
            }
        }

        Forget(partitions.Select(p => new TopicPartitionKey(p.Topic, p.Partition.Value)));
#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogRevoked(string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]")));
        }
#pragma warning restore CA1873
    }

    private void OnLost(IConsumer<byte[], byte[]> c, List<TopicPartitionOffset> partitions)
    {
        // Another member may own these already: never write them from here (a write in flight is fenced by the offsets).
        SettleInFlight();
        if (batch.RecordCount > 0)
        {
            LogBatchDropped(batch.RecordCount, "partitions lost");
            batch = NewBatch();
        }

        Forget(partitions.Select(p => new TopicPartitionKey(p.Topic, p.Partition.Value)));
#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogRevoked(string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}] (lost)")));
        }
#pragma warning restore CA1873
    }

    private void Forget(IEnumerable<TopicPartitionKey> partitions)
    {
        foreach (var partition in partitions)
        {
            stored.Remove(partition);
            consumed.Remove(partition);
        }

        var lag = MeasureLag();
        status.Update(s => s with { Lag = lag, AssignedPartitions = stored.Count, UpdatedAt = clock.GetUtcNow() });
    }

    // A batch built while another is in flight will be written after it: it expects the offsets that one leaves.
    private LoadBatch NewBatch() => new(
        p => inFlight?.Batch.NextOffsetOf(p) ?? (stored.TryGetValue(p, out var offset) ? offset : null), clock);

    private sealed record InFlightBatch(LoadBatch Batch, Task<BatchOutcome> Write, CancellationTokenSource Cancel);

    private ImmutableDictionary<TopicPartitionKey, long> MeasureLag()
    {
        var lag = ImmutableDictionary.CreateBuilder<TopicPartitionKey, long>();
        foreach (var partition in stored.Keys)
        {
            // Cached from the last fetch response: no broker round trip.
            var marks = consumer!.GetWatermarkOffsets(new TopicPartition(partition.Topic, partition.Partition));
            if (marks is null || marks.High == Offset.Unset)
            {
                continue;
            }

            long? position = consumed.TryGetValue(partition, out var next) ? next : stored[partition];
            lag[partition] = Math.Max(0, marks.High.Value - (position ?? marks.Low.Value));
        }

        return lag.ToImmutable();
    }

    private ProgressWindow ReportProgress(ProgressWindow window)
    {
        var now = clock.GetUtcNow();
        var snapshot = status.Current;
        var lag = MeasureLag();
        var seconds = (now - window.Start).TotalSeconds;
        var rate = seconds > 0 ? (snapshot.RecordsConsumed - window.Records) / seconds : 0;
        status.Update(s => s with { RowsPerSecond = rate, Lag = lag, UpdatedAt = now });
#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogProgress(
            snapshot.RecordsConsumed - window.Records,
            rate,
            snapshot.Batches - window.Batches,
            snapshot.LastBatchLatency.TotalMilliseconds,
            lag.Values.Sum(),
            string.Join(", ", lag.OrderBy(l => l.Key.Topic, StringComparer.Ordinal).ThenBy(l => l.Key.Partition).Select(l => $"{l.Key}={l.Value}")));
        }
#pragma warning restore CA1873

        return new ProgressWindow(now, snapshot.RecordsConsumed, snapshot.Batches);
    }

    private readonly record struct ProgressWindow(DateTimeOffset Start, long Records = 0, long Batches = 0);

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
