using CryptoStreams.TestSupport;

namespace CryptoStreams.EndToEnd.Tests;

/// <summary><c>cryptostreams process</c> with the settings of a <see cref="PipelineRun"/>, as its own OS process.</summary>
internal static class TopologyProcess
{
    /// <summary>Starts the topology and returns once Streamiz reports RUNNING.</summary>
    public static Task<CliProcess> StartAsync(PipelineRun run, bool exactlyOnce)
    {
        List<string> arguments =
        [
            "process", "--bootstrap", run.Broker.BootstrapServers, "--application-id", run.TopologyApplicationId, "--state-dir", run.TopologyStateDir,
        ];
        if (exactlyOnce)
        {
            arguments.Add("--exactly-once");
        }

        var environment = PipelineRun.TopologySettings().ToDictionary(p => "CRYPTOSTREAMS__" + p.Key.Replace(":", "__", StringComparison.Ordinal), p => p.Value, StringComparer.Ordinal);

        // A killed member stays in the group until its session times out; keep that short so the restart rebalances soon.
        environment["CRYPTOSTREAMS__Topology__SessionTimeout"] = "00:00:06";
        environment["Logging__LogLevel__Default"] = "Information";
        environment["DOTNET_ENVIRONMENT"] = "Production";
        return CliProcess.StartAsync("EndToEnd.Tests", arguments, "-> RUNNING", environment);
    }
}
