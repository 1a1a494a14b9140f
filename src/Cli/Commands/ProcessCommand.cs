using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class ProcessCommand
{
    public static Command Create()
    {
        var command = new Command("process", "Run the Streamiz topology: raw topics into candles, consensus, deviation and crossover signals.");
        NotBuiltYet.Attach(command, "issue #8");
        return command;
    }
}
