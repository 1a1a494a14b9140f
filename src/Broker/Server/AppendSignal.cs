namespace CryptoStreams.Broker.Server;

/// <summary>
/// Wakes long-polling fetches when any partition gets records (or a transaction ends, which moves the
/// last stable offset). A fetch re-checks its partitions after each wake-up.
/// </summary>
internal sealed class AppendSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _armed;

    /// <summary>A task that completes on the next <see cref="Signal"/>.</summary>
    public Task Next()
    {
        Volatile.Write(ref _armed, 1);
        return Volatile.Read(ref _next).Task;
    }

    public void Signal()
    {
        // Only swap when someone is waiting: producers at full speed should not allocate per append.
        if (Interlocked.Exchange(ref _armed, 0) == 0)
        {
            return;
        }

        var fired = Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        fired.TrySetResult();
    }
}
