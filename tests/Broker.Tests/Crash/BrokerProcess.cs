using System.Globalization;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.Crash;

/// <summary>
/// <c>cryptostreams broker</c> from the built CLI, as a separate OS process the test can SIGKILL.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private readonly CliProcess process;

    private BrokerProcess(CliProcess process, int port)
    {
        this.process = process;
        Port = port;
    }

    public int Port { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    /// <summary>Everything the process printed so far, for failure messages.</summary>
    public string Output => process.Output;

    /// <summary>Starts the broker and returns once it prints that it is listening.</summary>
    public static async Task<BrokerProcess> StartAsync(int port, string dataDirectory, string fsync = "Interval")
    {
        var process = await CliProcess.StartAsync(
            "Broker.Tests",
            [
                "broker", "--port", port.ToString(CultureInfo.InvariantCulture), "--data-dir", dataDirectory,
                "--group-initial-rebalance-delay", "0", "--status-interval", "0", "--fsync", fsync,
            ],
            "broker listening on",
            patience: TimeSpan.FromSeconds(60));
        return new BrokerProcess(process, port);
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public Task KillAsync() => process.KillAsync();

    public ValueTask DisposeAsync() => process.DisposeAsync();
}
