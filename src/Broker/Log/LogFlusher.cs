namespace CryptoStreams.Broker.Log;

/// <summary>
/// Group commit: produce requests that need durability queue their partitions here and wait; one background
/// loop fsyncs every queued partition once per round, so concurrent producers share each fsync.
/// </summary>
internal sealed class LogFlusher
{
    private readonly Lock _lock = new();
    private List<(IReadOnlyCollection<PartitionLog> Logs, TaskCompletionSource Done)> _pending = [];
    private bool _running;

    public Task FlushAsync(IReadOnlyCollection<PartitionLog> logs)
    {
        if (logs.All(l => !l.NeedsFlush))
        {
            return Task.CompletedTask;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _pending.Add((logs, done));
            if (!_running)
            {
                _running = true;
                _ = Task.Run(FlushLoop);
            }
        }

        return done.Task;
    }

    private void FlushLoop()
    {
        while (true)
        {
            List<(IReadOnlyCollection<PartitionLog> Logs, TaskCompletionSource Done)> round;
            lock (_lock)
            {
                if (_pending.Count == 0)
                {
                    _running = false;
                    return;
                }

                round = _pending;
                _pending = [];
            }

            var distinct = new HashSet<PartitionLog>(ReferenceEqualityComparer.Instance);
            foreach (var (logs, _) in round)
            {
                distinct.UnionWith(logs);
            }

            Exception? failure = null;
            foreach (var log in distinct)
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

            foreach (var (_, done) in round)
            {
                if (failure is null)
                {
                    done.TrySetResult();
                }
                else
                {
                    done.TrySetException(failure);
                }
            }
        }
    }
}
