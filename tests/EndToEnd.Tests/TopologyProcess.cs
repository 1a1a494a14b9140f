using System.Diagnostics;
using System.Globalization;
using CryptoStreams.TestSupport;

namespace CryptoStreams.EndToEnd.Tests;

/// <summary>
/// <c>cryptostreams process</c> from the built CLI as its own OS process, so a test can SIGKILL the topology the way
/// a crash or an OOM kill would: no stop hook, no commit, no flush, a transaction left open.
/// </summary>
internal sealed class TopologyProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly TaskCompletionSource running = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> output = [];

    private TopologyProcess(ProcessStartInfo start)
    {
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => running.TrySetException(new InvalidOperationException("the topology process exited before running:\n" + Output));
    }

    /// <summary>Everything the process printed so far, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join('\n', output);
            }
        }
    }

    /// <summary>Starts the topology with the settings of <paramref name="run"/> and returns once Streamiz reports RUNNING.</summary>
    public static async Task<TopologyProcess> StartAsync(PipelineRun run, bool exactlyOnce)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(CliPath());
        start.ArgumentList.Add("process");
        start.ArgumentList.Add("--bootstrap");
        start.ArgumentList.Add(run.Broker.BootstrapServers);
        start.ArgumentList.Add("--application-id");
        start.ArgumentList.Add(run.TopologyApplicationId);
        start.ArgumentList.Add("--state-dir");
        start.ArgumentList.Add(run.TopologyStateDir);
        if (exactlyOnce)
        {
            start.ArgumentList.Add("--exactly-once");
        }

        foreach (var (key, value) in PipelineRun.TopologySettings())
        {
            start.Environment["CRYPTOSTREAMS__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        // A killed member stays in the group until its session times out; keep that short so the restart rebalances soon.
        start.Environment["CRYPTOSTREAMS__Topology__SessionTimeout"] = "00:00:06";
        start.Environment["Logging__LogLevel__Default"] = "Information";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";

        var topology = new TopologyProcess(start);
        topology.process.Start();
        topology.process.BeginOutputReadLine();
        topology.process.BeginErrorReadLine();
        try
        {
            await topology.running.Task.WaitAsync(TimeSpan.FromSeconds(90));
        }
        catch
        {
            await topology.DisposeAsync();
            throw;
        }

        return topology;
    }

    /// <summary>SIGKILL: nothing of the topology's own shutdown runs.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            await KillAsync();
        }

        process.Dispose();
    }

    private static string CliPath()
    {
        var relative = Path.GetRelativePath(RepositoryPaths.Combine("tests", "EndToEnd.Tests"), AppContext.BaseDirectory);
        var path = Path.GetFullPath(RepositoryPaths.Combine("src", "Cli", relative, "cryptostreams.dll"));
        return File.Exists(path) ? path : throw new FileNotFoundException("build src/Cli first (the test project references it)", path);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.Add(line);
        }

        if (line.Contains("-> RUNNING", StringComparison.Ordinal))
        {
            running.TrySetResult();
        }
    }
}
