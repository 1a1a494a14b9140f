using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class LoadCommand
{
    public static Command Create()
    {
        var command = new Command("load", "Run the loader: transformed topics into PostgreSQL/TimescaleDB, exactly once.");
        NotBuiltYet.Attach(command, "issue #5");
        return command;
    }
}
