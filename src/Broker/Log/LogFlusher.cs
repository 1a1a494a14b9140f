using System.Diagnostics;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Group commit: produce requests that need durability register here and wait; one dedicated thread runs rounds
/// back to back, and each round's single fsync of the <see cref="CommitJournal"/> answers every request that
/// registered before it started, whatever partitions or connections they came from. A request arriving while a
/// round runs joins the next one, so under load each fsync is shared by more requests instead of rounds queueing.
/// Without a journal (tests of the log alone) a round fsyncs each dirty partition instead.
/// </summary>
internal sealed class LogFlusher : IDisposable
{
    private readonly Lock _lock = new();
    // No spinning before it blocks (SemaphoreSlim's default): on two cores a waiter that spins on sched_yield takes CPU
    // from the connections and clients whose requests it is waiting for.
    private readonly ManualResetEventSlim _work = new(initialState: false, spinCount: 0);
    private readonly CommitJournal? _journal;
    private readonly Action _flushSegments;
    private readonly Thread _thread;
    private readonly Action<TimeSpan, int>? _roundDone;
    private List<(IReadOnlyCollection<PartitionLog> Logs, TaskCompletionSource Done)> _pending = [];
    private bool _stopping;

    /// <param name="journal">The journal group commit fsyncs; null = fsync the partitions themselves.</param>
    /// <param name="flushSegments">fsyncs every dirty segment (when the journal rotates).</param>
    /// <param name="roundDone">Told each round's fsync time and how many produce requests it answered (metrics).</param>
    public LogFlusher(CommitJournal? journal, Action flushSegments, Action<TimeSpan, int>? roundDone = null)
    {
        _roundDone = roundDone;
        _journal = journal;
        _flushSegments = flushSegments;
        // A dedicated thread: a round must start the moment the previous one ends, not when the thread pool
        // (busy with connections) gets to it.
        _thread = new Thread(FlushLoop) { IsBackground = true, Name = "broker group commit" };
        _thread.Start();
    }

    public Task FlushAsync(IReadOnlyCollection<PartitionLog> logs)
    {
        if (_journal is null ? logs.All(l => !l.NeedsFlush) : !_journal.NeedsSync)
        {
            return Task.CompletedTask;
        }

        // Continuations run on the group-commit thread when the round completes: the response is framed and written
        // to its socket right there, instead of after two thread-pool hops (which under CPU contention cost more than
        // the fsync itself). What runs inline is short and never blocks: ProduceApi's await, the dispatcher's framing,
        // and the connection's response writer, which goes asynchronous if its socket is full.
        var done = new TaskCompletionSource();
        bool wake;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            wake = _pending.Count == 0;
            _pending.Add((logs, done));
        }

        if (wake)
        {
            _work.Set();
        }

        return done.Task;
    }

    private void FlushLoop()
    {
        while (true)
        {
            _work.Wait();
            // Reset before looking for work: a request added from here on sets it again, so none is left waiting.
            _work.Reset();
            while (true)
            {
                List<(IReadOnlyCollection<PartitionLog> Logs, TaskCompletionSource Done)> round;
                lock (_lock)
                {
                    if (_pending.Count == 0)
                    {
                        if (_stopping)
                        {
                            return;
                        }

                        break;
                    }

                    round = _pending;
                    _pending = [];
                }

                var started = Stopwatch.GetTimestamp();
                var failure = RunRound(round);
                _roundDone?.Invoke(Stopwatch.GetElapsedTime(started), round.Count);
                // Last first: when a connection's earliest waiting response completes, its later ones already have, so its
                // writer sends them all in one socket write.
                for (var i = round.Count - 1; i >= 0; i--)
                {
                    var done = round[i].Done;
                    if (failure is null)
                    {
                        done.TrySetResult();
                    }
                    else
                    {
                        done.TrySetException(failure);
                    }
                }

                try
                {
                    // Only switches files; the old one's segments are flushed on the journal's retirement thread.
                    _ = _journal?.RotateIfFull(_flushSegments);
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    // The old file's tail could not be made durable: the journal now fails every later round (see
                    // CommitJournal.RotateIfFull), so those requests get errors instead of acks.
                }
            }
        }
    }

    private Exception? RunRound(List<(IReadOnlyCollection<PartitionLog> Logs, TaskCompletionSource Done)> round)
    {
        try
        {
            if (_journal is not null)
            {
                _journal.Sync();
                return null;
            }

            Exception? failure = null;
            foreach (var log in round.SelectMany(r => r.Logs).Distinct())
            {
                try
                {
                    log.Flush();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                {
                    failure = ex;
                }
            }

            return failure;
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or InvalidOperationException)
        {
            return ex;
        }
    }

    /// <summary>Answers what is pending, then stops the thread.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_stopping)
            {
                return;
            }

            _stopping = true;
        }

        _work.Set();
        _thread.Join();
        _work.Dispose();
        // Rotations have stopped; a retirement still flushing segments must finish before the segments close.
        _journal?.StopBackground();
    }
}
