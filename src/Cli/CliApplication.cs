using System.CommandLine;
using CryptoStreams.Cli.Commands;

namespace CryptoStreams.Cli;

/// <summary>The <c>cryptostreams</c> command tree. Each subcommand lives in its own file under Commands/.</summary>
internal static class CliApplication
{
    public static RootCommand Create()
    {
        var root = new RootCommand(
            "CryptoStreams: real-time crypto market data. Extract exchange, API and Chainlink prices into Kafka, "
            + "compute candles, consensus, oracle deviation and MA crossovers with Streamiz, load them into PostgreSQL/TimescaleDB.");
        root.Subcommands.Add(UpCommand.Create());
        root.Subcommands.Add(ExtractCommand.Create());
        root.Subcommands.Add(ProcessCommand.Create());
        root.Subcommands.Add(LoadCommand.Create());
        root.Subcommands.Add(BrokerCommand.Create());
        root.Subcommands.Add(TopicsCommand.Create());
        root.Subcommands.Add(WatchCommand.Create());
        root.Subcommands.Add(ReplayCommand.Create());
        root.Subcommands.Add(DbCommand.Create());
        root.Subcommands.Add(StatusCommand.Create());
        return root;
    }
}
