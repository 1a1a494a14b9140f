using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class WatchCommand
{
    public static Command Create()
    {
        var topic = new Argument<string>("topic") { Description = "Topic to watch, e.g. signals.crossover or deviation.1m." };
        var command = new Command("watch", "Print the records of a topic as a readable table.") { topic };
        NotBuiltYet.Attach(command, "issue #6");
        return command;
    }
}
