using System.Diagnostics;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.Crash;

/// <summary>
/// <c>cryptostreams broker</c> from the built CLI, as a separate OS process the test can SIGKILL.
/// </summary>
public sealed class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private BrokerProcess(int port, string dataDirectory)
    {
        Port = port;
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
        {
            CliPath(), "broker", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--data-dir", dataDirectory,
            "--group-initial-rebalance-delay", "0", "--status-interval", "0",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        _process.Exited += (_, _) => _listening.TrySetException(new InvalidOperationException("the broker process exited before listening:\n" + Output));
        _process.EnableRaisingEvents = true;
    }

    public int Port { get; }

    public string BootstrapServers => $"127.0.0.1:{Port}";

    /// <summary>Everything the process printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>Starts the broker and returns once it prints that it is listening.</summary>
    public static async Task<BrokerProcess> StartAsync(int port, string dataDirectory)
    {
        var broker = new BrokerProcess(port, dataDirectory);
        broker._process.Start();
        broker._process.BeginOutputReadLine();
        broker._process.BeginErrorReadLine();
        try
        {
            await broker._listening.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }

        return broker;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            await KillAsync();
        }

        _process.Dispose();
    }

    /// <summary>The CLI built next to this test assembly (same configuration and target framework).</summary>
    private static string CliPath()
    {
        var relative = Path.GetRelativePath(RepositoryPaths.Combine("tests", "Broker.Tests"), AppContext.BaseDirectory);
        var path = Path.GetFullPath(RepositoryPaths.Combine("src", "Cli", relative, "cryptostreams.dll"));
        return File.Exists(path) ? path : throw new FileNotFoundException("build src/Cli first (the test project references it)", path);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.Contains("broker listening on", StringComparison.Ordinal))
        {
            _listening.TrySetResult();
        }
    }
}
