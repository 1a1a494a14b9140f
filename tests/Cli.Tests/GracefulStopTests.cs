using CryptoStreams.TestSupport;

namespace CryptoStreams.Cli.Tests;

/// <summary>Ctrl+C or SIGTERM lets a command finish its clean stop instead of System.CommandLine ending the process after 2 s.</summary>
public sealed class GracefulStopTests : IDisposable
{
    private readonly string stateDir = Directory.CreateTempSubdirectory("cli-stop-").FullName;

    public void Dispose() => Directory.Delete(stateDir, recursive: true);

    /// <summary>
    /// A topology stopped (SIGTERM) while Streamiz is still starting (its broker does not answer, so the start waits for
    /// metadata): the stop waits for the start to end before closing the stream, which takes longer than
    /// System.CommandLine's default 2 s, and the process must still end with its own clean "stopped" line and exit 0.
    /// </summary>
    [Fact]
    public async Task A_topology_stopped_while_starting_stops_cleanly_even_when_that_takes_a_while()
    {
        var silentBroker = "127.0.0.1:" + FreePort.Next();
        await using var cli = await CliProcess.StartAsync(
            "Cli.Tests",
            ["process", "--bootstrap", silentBroker, "--application-id", "cli-stop-" + Guid.NewGuid().ToString("N"), "--state-dir", stateDir],
            "CREATED -> REBALANCING",
            new Dictionary<string, string?>(StringComparer.Ordinal) { ["Logging__LogLevel__Default"] = "Information", ["DOTNET_ENVIRONMENT"] = "Production" });

        var exitCode = await cli.TerminateAsync(TimeSpan.FromSeconds(90));

        Assert.True(exitCode == 0, $"exit code {exitCode}; output:\n{cli.Output}");
        Assert.Contains("stopped: 0 windows closed", cli.Output, StringComparison.Ordinal);
    }
}
