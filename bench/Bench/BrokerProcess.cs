using System.Diagnostics;
using System.Text.RegularExpressions;
using CryptoStreams.Broker;

namespace CryptoStreams.Bench;

/// <summary>
/// <c>cryptostreams broker</c> (built beside the bench) in its own OS process on a free port and a fresh data
/// directory, for the broker harness; stopped and deleted on dispose.
/// </summary>
internal sealed partial class BrokerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDirectory;

    private BrokerProcess(Process process, string dataDirectory, string bootstrapServers)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    /// <summary>CPU time the broker process has used so far (user + system), in seconds.</summary>
    public double CpuSeconds
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime.TotalSeconds;
        }
    }

    public static async Task<BrokerProcess> StartAsync(FsyncPolicy fsync, CancellationToken cancellationToken)
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "cryptostreams-bench-broker-" + Guid.NewGuid().ToString("N"));
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[
            Path.Combine(AppContext.BaseDirectory, "cryptostreams.dll"), "broker", "--port", "0", "--data-dir", dataDirectory,
            "--fsync", fsync.ToString(), "--group-initial-rebalance-delay", "0", "--status-interval", "0"])
        {
            start.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new List<string>();
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.Add(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                listening.TrySetResult(match.Groups[1].Value);
            }
        }

        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("cryptostreams broker exited:\n" + string.Join('\n', output)));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var bootstrap = await listening.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return new BrokerProcess(process, dataDirectory, bootstrap);
        }
        catch
        {
            process.Kill(entireProcessTree: true);
            process.Dispose();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temporary directory left behind is harmless.
        }
    }

    [GeneratedRegex(@"^broker listening on (\S+), data in ")]
    private static partial Regex ListeningLine();
}
