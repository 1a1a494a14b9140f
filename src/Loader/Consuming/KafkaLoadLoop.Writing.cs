using System.Net.Sockets;
using Confluent.Kafka;
using CryptoStreams.Loader.Writing;
using Npgsql;

namespace CryptoStreams.Loader.Consuming;

// The double-buffered write pipeline: one batch in flight on the pool while the loop fills the next; settling it,
// committing its offsets, rewinding after a refusal, and the one bounded last attempt before partitions go.
internal sealed partial class KafkaLoadLoop
{
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
        if (consumer is not null)
        {
            // The stop token is cancelled already: the last attempt has only its own time limit.
            await WriteLastAttemptAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// One attempt at the current batch, bounded by <see cref="LastAttempt"/>, before the partitions go (a stop or a
    /// revoke): what is not written now is read again from the stored offsets by whoever owns them next.
    /// </summary>
    private async Task WriteLastAttemptAsync(CancellationToken cancellationToken)
    {
        if (batch.RecordCount == 0)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(LastAttempt);
        var pending = batch;
        try
        {
            Committed(pending, await WriteAsync(pending, timeout.Token).ConfigureAwait(false));
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

    // A batch built while another is in flight will be written after it: it expects the offsets that one leaves.
    private LoadBatch NewBatch() => new(
        p => inFlight?.Batch.NextOffsetOf(p) ?? (stored.TryGetValue(p, out var offset) ? offset : null), clock);

    private sealed record InFlightBatch(LoadBatch Batch, Task<BatchOutcome> Write, CancellationTokenSource Cancel);
}
