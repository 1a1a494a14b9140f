using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class StatusCommand
{
    public static Command Create()
    {
        var command = new Command("status", "Show the status of a running pipeline (management API on 127.0.0.1:5000).");
        NotBuiltYet.Attach(command, "issue #6");
        return command;
    }
}
