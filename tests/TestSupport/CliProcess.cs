using System.Diagnostics;
using System.Runtime.InteropServices;

namespace CryptoStreams.TestSupport;

/// <summary>
/// The built <c>cryptostreams</c> CLI as a separate OS process that a test can SIGKILL, the way a crash or an OOM kill
/// would end it (no stop hook runs, nothing is flushed or committed), or stop with SIGTERM.
/// </summary>
public sealed class CliProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly string readyLine;
    private readonly TaskCompletionSource ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> output = [];

    private CliProcess(ProcessStartInfo start, string readyLine)
    {
        this.readyLine = readyLine;
        process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"cryptostreams exited before printing '{readyLine}':\n" + Output));
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

    /// <summary>
    /// Runs <c>cryptostreams <paramref name="arguments"/></c> (the CLI built beside <paramref name="testProject"/>'s
    /// output, same configuration) and returns once it prints a line containing <paramref name="readyLine"/>.
    /// </summary>
    public static Task<CliProcess> StartAsync(
        string testProject, IEnumerable<string> arguments, string readyLine, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? patience = null) =>
        StartAtAsync(CliPath(testProject), arguments, readyLine, environment, patience);

    /// <summary>As <see cref="StartAsync"/>, for the <c>cryptostreams.dll</c> at <paramref name="cliPath"/> (e.g. built beside a benchmark).</summary>
    public static async Task<CliProcess> StartAtAsync(
        string cliPath, IEnumerable<string> arguments, string readyLine, IReadOnlyDictionary<string, string?>? environment = null, TimeSpan? patience = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(cliPath);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        var cli = new CliProcess(start, readyLine);
        cli.process.Start();
        cli.process.BeginOutputReadLine();
        cli.process.BeginErrorReadLine();
        try
        {
            await cli.ready.Task.WaitAsync(patience ?? TimeSpan.FromSeconds(90));
        }
        catch
        {
            await cli.DisposeAsync();
            throw;
        }

        return cli;
    }

    /// <summary>CPU time (user + system) the process has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            process.Refresh();
            return process.TotalProcessorTime;
        }
    }

    /// <summary>
    /// SIGTERM (what <c>docker stop</c> and systemd send; the CLI treats it as Ctrl+C), then waits up to
    /// <paramref name="patience"/> for the process to end; its exit code. Not SIGINT: a process started from a
    /// background job of a non-interactive shell inherits SIGINT ignored, and .NET keeps it ignored.
    /// </summary>
    public async Task<int> TerminateAsync(TimeSpan patience)
    {
        if (kill(process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill(SIGTERM) failed: errno {Marshal.GetLastPInvokeError()}");
        }

        using var timeout = new CancellationTokenSource(patience);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>Waits up to <paramref name="patience"/> for the process to end on its own; its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan patience)
    {
        using var timeout = new CancellationTokenSource(patience);
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    /// <summary>SIGKILL, and wait until the process is gone.</summary>
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

    private const int SigTerm = 15;

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int kill(int pid, int signal);

    private static string CliPath(string testProject)
    {
        var relative = Path.GetRelativePath(RepositoryPaths.Combine("tests", testProject), AppContext.BaseDirectory);
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

        if (line.Contains(readyLine, StringComparison.Ordinal))
        {
            ready.TrySetResult();
        }
    }
}
