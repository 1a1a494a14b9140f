using System.CommandLine;
using CryptoStreams.Cli.Commands;

namespace CryptoStreams.Cli;

/// <summary>The <c>cryptostreams</c> command tree. Each subcommand lives in its own file under Commands/.</summary>
internal static class CliApplication
{
    /// <summary>
    /// How long a Ctrl+C or SIGTERM may take to stop a command cleanly. System.CommandLine's default is 2 s, after
    /// which it ends the process with exit code 130 mid-shutdown: a topology still committing and leaving its group,
    /// extractors still flushing accepted ticks, a broker still fsyncing segments. Longer than the hosts' own
    /// shutdown timeouts (60 s for the pipeline, 30 s elsewhere), so those apply first.
    /// </summary>
    public static readonly TimeSpan GracefulStopLimit = TimeSpan.FromSeconds(75);

    /// <summary>The invocation settings <c>Program</c> runs the command tree with.</summary>
    public static InvocationConfiguration Invocation() => new() { ProcessTerminationTimeout = GracefulStopLimit };

    public static RootCommand Create()
    {
        var root = new RootCommand(
            "CryptoStreams: real-time crypto market data. Extract exchange, API and Chainlink prices into Kafka, "
            + "compute candles, consensus, oracle deviation and MA crossovers with Streamiz, load them into PostgreSQL/TimescaleDB.");
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(ExtractCommand.Create());
        root.Subcommands.Add(ProcessCommand.Create());
        root.Subcommands.Add(LoadCommand.Create());
        root.Subcommands.Add(ArchiveCommand.Create());
        root.Subcommands.Add(BrokerCommand.Create());
        root.Subcommands.Add(TopicsCommand.Create());
        root.Subcommands.Add(WatchCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(DbCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        return root;
    }
}
