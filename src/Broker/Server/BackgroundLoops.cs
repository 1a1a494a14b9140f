using CryptoStreams.Broker.Diagnostics;

namespace CryptoStreams.Broker.Server;

/// <summary>Periodic work: group and transaction timeouts, interval fsync, retention and compaction.</summary>
internal sealed class BackgroundLoops : IAsyncDisposable
{
    private readonly BrokerRuntime _runtime;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public BackgroundLoops(BrokerRuntime runtime) => _runtime = runtime;

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

    private void Tick() => _runtime.Appended.Signal();

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
