namespace CryptoStreams.Topology;

/// <summary>
/// The newest event time of any accepted tick over every task of this process: the stream time the reference model
/// has (one clock for every asset), shared so that how the assets are spread over partitions does not decide which
/// windows close. Without it a task whose partitions are read to the end waits for ticks of its own assets to close
/// its last windows, though the market's clock is past them (with 2 or 6 partitions, the last windows of the quieter
/// partition stayed open at the end of a backlog). A task still bounds the frontier by its own unread inputs
/// (<see cref="TaskInputs"/>), so a tick is never late because another task got ahead. Written from every stream
/// thread, hence the lock-free maximum.
/// </summary>
public sealed class NewestTick
{
    private long ticks = long.MinValue;

    public long Ticks => Volatile.Read(ref ticks);

    public void Observe(long eventTicks)
    {
        var seen = Volatile.Read(ref ticks);
        while (eventTicks > seen)
        {
            var previous = Interlocked.CompareExchange(ref ticks, eventTicks, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
