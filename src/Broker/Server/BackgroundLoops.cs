using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.State;

namespace CryptoStreams.Broker.Server;

/// <summary>Periodic work: group and transaction timeouts, interval fsync, retention and compaction.</summary>
internal sealed class BackgroundLoops : IAsyncDisposable
{
    private readonly BrokerRuntime _runtime;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    private readonly LogCleaner _cleaner;

    public BackgroundLoops(BrokerRuntime runtime)
    {
        _runtime = runtime;
        _cleaner = new LogCleaner(runtime.Topics, runtime.Time, runtime.Logger);
        _lastCleanup = runtime.Time.GetTimestamp();
    }

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), _runtime.Time);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    Tick();
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    BrokerLog.BackgroundFailed(_runtime.Logger, ex, "tick");
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    private long _lastCleanup;
    private long _lastFlush;

    private void Tick()
    {
        _runtime.Groups.Tick();
        _runtime.Transactions.Tick();
        var now = _runtime.Time.GetTimestamp();
        if (_runtime.Options.FsyncPolicy == FsyncPolicy.Interval && _runtime.Time.GetElapsedTime(_lastFlush, now) >= _runtime.Options.FsyncInterval)
        {
            _lastFlush = now;
            foreach (var topic in _runtime.Topics.All())
            {
                foreach (var log in topic.Partitions)
                {
                    log.Flush();
                }
            }
        }

        if (_runtime.Time.GetElapsedTime(_lastCleanup, now) >= _runtime.Options.CleanupInterval)
        {
            _lastCleanup = now;
            _cleaner.Run();
            if (_runtime.Journal.Size > CoordinatorCompaction.Threshold)
            {
                CoordinatorCompaction.Compact(_runtime.Journal, _runtime.Groups, _runtime.Transactions);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _stop.Dispose();
    }
}
