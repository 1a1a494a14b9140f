using System.CommandLine;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Cli.Watch;

namespace CryptoStreams.Cli.Commands;

internal static class WatchCommand
{
    public static Command Create()
    {
        var topic = new Argument<string>("topic") { Description = "Topic to watch, e.g. signals.crossover or deviation.1m." };
        var bootstrap = CommonOptions.Bootstrap();
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Start at the oldest record (when the group has no committed offset)." };
        var group = new Option<string?>("--group", "-g") { Description = "Consumer group; without it a throw-away group is used and nothing is committed." };
        var json = new Option<bool>("--json") { Description = "Print each record's JSON value on one line (for jq) instead of the table." };
        var max = new Option<int?>("--max") { Description = "Stop after this many records." };
        var command = new Command("watch", "Print the records of a topic as a readable table.") { topic, bootstrap, fromBeginning, group, json, max };
        command.SetAction(async (parseResult, ct) =>
        {
            if (parseResult.GetValue(max) is < 1)
            {
                return CliConsole.Fail(parseResult, "watch: --max must be at least 1");
            }

            var options = new WatchOptions(
                parseResult.GetValue(bootstrap)!,
                parseResult.GetValue(topic)!,
                parseResult.GetValue(fromBeginning),
                parseResult.GetValue(group),
                parseResult.GetValue(json),
                parseResult.GetValue(max));
            try
            {
                options = options with { Kafka = CliConfiguration.KafkaSecurity() };
                await TopicWatcher.RunAsync(options, CliConsole.For(parseResult), parseResult.InvocationConfiguration.Output, ct).ConfigureAwait(false);
                return 0;
            }
            catch (InvalidOperationException ex)
            {
                return CliConsole.Fail(parseResult, "watch: " + ex.Message);
            }
        });
        return command;
    }
}
