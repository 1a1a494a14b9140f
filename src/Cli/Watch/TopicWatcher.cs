using System.Text;
using Confluent.Kafka;
using CryptoStreams.Schema.Kafka;
using Spectre.Console;

namespace CryptoStreams.Cli.Watch;

/// <summary>What <c>watch</c> reads and how it prints it.</summary>
/// <param name="BootstrapServers">Kafka bootstrap servers.</param>
/// <param name="Topic">Topic to read.</param>
/// <param name="FromBeginning">Start at the earliest offset when the group has no committed offset.</param>
/// <param name="Group">Consumer group; null for a throw-away group that commits nothing.</param>
/// <param name="Json">Print each value as its JSON text, one per line (pipe into jq), instead of the table.</param>
/// <param name="Max">Stop after this many records; null to run until cancelled.</param>
internal sealed record WatchOptions(string BootstrapServers, string Topic, bool FromBeginning, string? Group, bool Json, int? Max)
{
    /// <summary>How the consumer authenticates (<c>Kafka:*</c>, overridden by <c>Cli:Kafka:*</c>).</summary>
    public KafkaSecurityOptions Kafka { get; init; } = new();
}

/// <summary>Consumes a topic and prints its records as a table row each, until cancelled or <see cref="WatchOptions.Max"/>.</summary>
internal static class TopicWatcher
{
    private static readonly int[] Widths = [23, 11, 14];

    /// <returns>The number of records printed.</returns>
    public static async Task<int> RunAsync(WatchOptions options, IAnsiConsole console, TextWriter plainOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(console);
        ArgumentNullException.ThrowIfNull(plainOutput);
        var config = options.Kafka.ApplyTo(new ConsumerConfig
        {
            BootstrapServers = options.BootstrapServers,
            GroupId = options.Group ?? $"cryptostreams-watch-{Guid.NewGuid():N}",
            ClientId = "cryptostreams-watch",
            // A throw-away group must not leave committed offsets behind; a named one resumes where it stopped.
            EnableAutoCommit = options.Group is not null,
            AutoOffsetReset = options.FromBeginning ? AutoOffsetReset.Earliest : AutoOffsetReset.Latest,
            SessionTimeoutMs = 10_000,
        });
        var type = RecordRows.TypeOf(options.Topic);
        if (!options.Json)
        {
            WriteHeader(console, options.Topic, type);
        }

        // Consume blocks its thread; keep it off the caller's so cancellation (Ctrl+C) is prompt.
        return await Task.Factory.StartNew(
            () =>
            {
                using var consumer = new ConsumerBuilder<string?, byte[]>(config)
                    .SetLogHandler((_, _) => { })
                    .SetKeyDeserializer(Deserializers.Utf8)
                    .Build();
                if (options.Group is null)
                {
                    // Without a group there is nothing to coordinate: read every partition directly, which also starts at once.
                    var start = options.FromBeginning ? Offset.Beginning : Offset.End;
                    consumer.Assign(Partitions(options.BootstrapServers, options.Topic, options.Kafka).Select(p => new TopicPartitionOffset(options.Topic, p, start)));
                }
                else
                {
                    consumer.Subscribe(options.Topic);
                }

                var printed = 0;
                try
                {
                    while (options.Max is not { } max || printed < max)
                    {
                        var result = consumer.Consume(cancellationToken);
                        if (result?.Message is null)
                        {
                            continue;
                        }

                        var value = result.Message.Value ?? [];
                        if (options.Json)
                        {
                            plainOutput.WriteLine(Encoding.UTF8.GetString(value));
                        }
                        else
                        {
                            WriteRow(console, RecordRows.Format(type, result.Message.Key, value, result.Message.Timestamp.UtcDateTime));
                        }

                        printed++;
                    }
                }
                catch (OperationCanceledException)
                {
                    // Ctrl+C: stop reading and leave the group cleanly below.
                }
                finally
                {
                    consumer.Close();
                }

                return printed;
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default).ConfigureAwait(false);
    }

    internal static IReadOnlyList<int> Partitions(string bootstrapServers, string topic, KafkaSecurityOptions security)
    {
        using var admin = new AdminClientBuilder(security.ApplyTo(new AdminClientConfig { BootstrapServers = bootstrapServers })).SetLogHandler((_, _) => { }).Build();
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(topic, TimeSpan.FromSeconds(15));
        }
        catch (KafkaException ex)
        {
            throw new InvalidOperationException($"the broker at {bootstrapServers} did not answer ({ex.Error.Reason}); is it running?", ex);
        }

        var found = metadata.Topics.SingleOrDefault(t => t.Topic == topic);
        if (found is null || found.Error.IsError || found.Partitions.Count == 0)
        {
            throw new InvalidOperationException($"topic {topic} does not exist on {bootstrapServers} (cryptostreams topics list shows what does)");
        }

        return [.. found.Partitions.Select(p => p.PartitionId).Order()];
    }

    private static void WriteHeader(IAnsiConsole console, string topic, TopicRecordType type)
    {
        console.MarkupLine($"[bold]{Markup.Escape(topic)}[/] [grey]({type}; Ctrl+C stops)[/]");
        console.Write(Line("[underline]time (UTC)[/]", "[underline]symbol[/]", "[underline]source[/]", "[underline]values[/]"));
    }

    private static void WriteRow(IAnsiConsole console, RecordRow row) =>
        console.Write(Line(Markup.Escape(row.Time), "[bold]" + Markup.Escape(row.Symbol) + "[/]", "[cyan]" + Markup.Escape(row.Source) + "[/]", row.Values));

    private static Grid Line(string time, string symbol, string source, string values)
    {
        var grid = new Grid();
        foreach (var width in Widths)
        {
            grid.AddColumn(new GridColumn().Width(width).NoWrap().PadRight(1));
        }

        grid.AddColumn(new GridColumn());
        grid.AddRow(new Markup(time), new Markup(symbol), new Markup(source), new Markup(values));
        return grid;
    }
}
