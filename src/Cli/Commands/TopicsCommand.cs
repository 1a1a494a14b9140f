using System.CommandLine;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Cli.TopicManagement;
using CryptoStreams.Schema;
using Spectre.Console;

namespace CryptoStreams.Cli.Commands;

internal static class TopicsCommand
{
    public static Command Create()
    {
        var command = new Command("topics", "Create, list and describe the pipeline's topics (partitions, retention and cleanup from the catalog in src/Schema).");
        command.Subcommands.Add(CreateCommand());
        command.Subcommands.Add(ListCommand());
        command.Subcommands.Add(DescribeCommand());
        command.Subcommands.Add(ScriptCommand());
        return command;
    }

    public static Option<int> Partitions() => new("--partitions")
    {
        Description = "Partitions of every keyed topic (they share one count so they stay co-partitioned).",
        DefaultValueFactory = _ => TopicCatalog.DefaultPartitions,
    };

    private static Command CreateCommand()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var partitions = Partitions();
        var replication = new Option<short>("--replication-factor")
        {
            Description = "Replicas per partition (1 for a single broker).",
            DefaultValueFactory = _ => 1,
        };
        var command = new Command("create", "Create every topic of the catalog that does not exist yet.") { bootstrap, partitions, replication };
        command.SetAction(async (parseResult, ct) =>
        {
            var console = CliConsole.For(parseResult);
            try
            {
                using var admin = new TopicAdmin(parseResult.GetValue(bootstrap)!, CliConfiguration.KafkaSecurity());
                var results = await admin.CreateAsync(TopicCatalog.All(parseResult.GetValue(partitions)), parseResult.GetValue(replication), ct).ConfigureAwait(false);
                var table = new Table().AddColumns("topic", "partitions", "retention", "cleanup", "result");
                foreach (var (topic, result) in results)
                {
                    table.AddRow(
                        Markup.Escape(topic.Name),
                        topic.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Retention(topic.RetentionMs),
                        topic.Configs["cleanup.policy"],
                        result == TopicCreation.Created ? "[green]created[/]" : "[grey]exists[/]");
                }

                console.Write(table);
                return 0;
            }
            catch (InvalidOperationException ex)
            {
                return CliConsole.Fail(parseResult, $"topics create: {ex.Message}");
            }
        });
        return command;
    }

    private static Command ListCommand()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var command = new Command("list", "List the topics on the broker.") { bootstrap };
        command.SetAction(parseResult =>
        {
            try
            {
                using var admin = new TopicAdmin(parseResult.GetValue(bootstrap)!, CliConfiguration.KafkaSecurity());
                foreach (var name in admin.ListNames().Order(StringComparer.Ordinal))
                {
                    parseResult.InvocationConfiguration.Output.WriteLine(name);
                }

                return 0;
            }
            catch (InvalidOperationException ex)
            {
                return CliConsole.Fail(parseResult, $"topics list: {ex.Message}");
            }
        });
        return command;
    }

    private static Command DescribeCommand()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var command = new Command("describe", "Show partitions and configs of the pipeline's topics, and where they differ from the catalog.") { bootstrap };
        command.SetAction(async (parseResult, ct) =>
        {
            var console = CliConsole.For(parseResult);
            try
            {
                using var admin = new TopicAdmin(parseResult.GetValue(bootstrap)!, CliConfiguration.KafkaSecurity());
                var catalog = TopicCatalog.All();
                var described = await admin.DescribeAsync(catalog, ct).ConfigureAwait(false);
                var table = new Table().AddColumns("topic", "partitions", "replicas", "retention.ms", "cleanup.policy", "vs catalog");
                foreach (var topic in described)
                {
                    var drift = topic.Drift;
                    table.AddRow(
                        Markup.Escape(topic.Name),
                        topic.Partitions.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        topic.ReplicationFactor.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        Markup.Escape(topic.Configs.GetValueOrDefault("retention.ms", "?")),
                        Markup.Escape(topic.Configs.GetValueOrDefault("cleanup.policy", "?")),
                        drift.Count == 0 ? "[green]ok[/]" : "[yellow]" + Markup.Escape(string.Join(", ", drift)) + "[/]");
                }

                foreach (var missing in catalog.Where(t => described.All(d => d.Name != t.Name)))
                {
                    table.AddRow(Markup.Escape(missing.Name), "-", "-", "-", "-", "[red]missing[/] (run: cryptostreams topics create)");
                }

                console.Write(table);
                var configError = described.Select(d => d.ConfigError).FirstOrDefault(e => e is not null);
                if (configError is not null)
                {
                    console.MarkupLine($"[grey]configs: {Markup.Escape(configError)}[/]");
                }

                return described.Count == catalog.Count ? 0 : 1;
            }
            catch (InvalidOperationException ex)
            {
                return CliConsole.Fail(parseResult, $"topics describe: {ex.Message}");
            }
        });
        return command;
    }

    private static Command ScriptCommand()
    {
        var command = new Command("script", "Print topics.sh: the same topics created with Kafka's kafka-topics.sh (for the compose stack).");
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Output.Write(TopicsScript.Generate(TopicCatalog.All()));
            return 0;
        });
        return command;
    }

    private static string Retention(long ms) =>
        ms < 0 ? "forever" : TimeSpan.FromMilliseconds(ms) is var span && span.TotalDays >= 1
            ? $"{span.TotalDays:0.#} d"
            : $"{span.TotalHours:0.#} h";
}
