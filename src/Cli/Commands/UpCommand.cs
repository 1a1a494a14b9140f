using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class UpCommand
{
    public static Command Create()
    {
        var command = new Command("up", "Run the whole pipeline: embedded broker, PostgreSQL, extractors, topology and loader, with a live status view.");
        NotBuiltYet.Attach(command, "issue #6");
        return command;
    }
}
