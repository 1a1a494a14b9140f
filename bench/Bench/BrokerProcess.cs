using System.Globalization;
using CryptoStreams.Broker;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Bench;

/// <summary>
/// <c>cryptostreams broker</c> (built beside the bench) in its own OS process on a free port and a fresh data
/// directory, for the broker harness; stopped and deleted on dispose.
/// </summary>
internal sealed class BrokerProcess : IAsyncDisposable
{
    private readonly CliProcess _process;
    private readonly string _dataDirectory;

    private BrokerProcess(CliProcess process, string dataDirectory, int port)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        BootstrapServers = $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";
    }

    public string BootstrapServers { get; }

    /// <summary>CPU time the broker process has used so far (user + system), in seconds.</summary>
    public double CpuSeconds => _process.CpuTime.TotalSeconds;

    public static async Task<BrokerProcess> StartAsync(FsyncPolicy fsync, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var dataDirectory = Path.Combine(Path.GetTempPath(), "cryptostreams-bench-broker-" + Guid.NewGuid().ToString("N"));
        var port = FreePort.Next();
        var process = await CliProcess.StartAtAsync(
            Path.Combine(AppContext.BaseDirectory, "cryptostreams.dll"),
            [
                "broker", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory,
                "--fsync", fsync.ToString(), "--group-initial-rebalance-delay", "0", "--status-interval", "0",
            ],
            "broker listening on",
            patience: TimeSpan.FromSeconds(60));
        return new BrokerProcess(process, dataDirectory, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory left behind is harmless.
        }
    }
}
