using System.CommandLine;

namespace CryptoStreams.Cli.Commands;

internal static class TopicsCommand
{
    public static Command Create()
    {
        var command = new Command("topics", "Create, list and describe the pipeline's topics (partitions, retention and cleanup from the catalog in src/Schema).");
        foreach (var (name, description) in new[]
                 {
                     ("create", "Create every topic of the catalog that does not exist yet."),
                     ("list", "List the topics on the broker."),
                     ("describe", "Show partitions and configs of the pipeline's topics."),
                 })
        {
            var sub = new Command(name, description);
            NotBuiltYet.Attach(sub, "issue #6");
            command.Subcommands.Add(sub);
        }

        return command;
    }
}
