using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class ExtractCommand
{
    public static Command Create()
    {
        var command = new Command("extract", "Run the extractors: exchange WebSockets, price APIs and Chainlink feeds into the raw topics.");
        NotBuiltYet.Attach(command, "issue #7");
        return command;
    }
}
