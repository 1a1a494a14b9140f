using System.CommandLine;
using System.Globalization;
using CryptoStreams.Archive.Parquet;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.Recording;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using CryptoStreams.Schema;

namespace CryptoStreams.Cli.Commands;

/// <summary>
/// <c>cryptostreams replay DIR</c>: pushes frames recorded with <c>extract --record DIR</c> through the same parsers
/// into the raw topics, in receive-time order with the recorded receive times; rejects go to <c>dlq.extractors</c>.
/// <c>cryptostreams replay --archive DIR</c> re-publishes the records of a raw archive (<c>cryptostreams archive</c>)
/// onto the raw topics in event-time order, through the same sink.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo?>("dir") { Description = "Folder of NDJSON frame recordings written by --record.", Arity = ArgumentArity.ZeroOrOne };
        var archive = new Option<DirectoryInfo?>("--archive") { Description = "Instead: re-publish the Parquet files of a raw archive (cryptostreams archive) onto the raw topics, in event-time order." };
        var from = UtcTime("--from", "With --archive: only records from this UTC time on (e.g. 2026-12-07T13:00Z); hour folders that end before it are not read.");
        var to = UtcTime("--to", "With --archive: only records before this UTC time.");
        var bootstrap = CommonOptions.Bootstrap();
        var config = CommonOptions.Config();
        var command = new Command("replay", "Push recorded frames (exchanges, price APIs, Chainlink, venue candles) through the parsers into the raw topics, deterministically.") { dir, archive, from, to, bootstrap, config };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(dir) is null) == (result.GetValue(archive) is null))
            {
                result.AddError("replay: give either a recordings folder or --archive DIR.");
            }

            var start = result.GetResult(from);
            var end = result.GetResult(to);
            if ((start is not null || end is not null) && result.GetValue(archive) is null)
            {
                result.AddError("replay: --from and --to select records of an archive; give --archive DIR.");
            }

            // A time that did not parse has its own error already (and no value to compare).
            if (start is { Errors: var startErrors } && !startErrors.Any() && end is { Errors: var endErrors } && !endErrors.Any()
                && result.GetValue(from) >= result.GetValue(to))
            {
                result.AddError("replay: --from must be before --to.");
            }
        });
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var directory = parseResult.GetValue(dir) ?? parseResult.GetValue(archive)!;
            if (!directory.Exists)
            {
                await error.WriteLineAsync($"cryptostreams replay: folder {directory.FullName} does not exist.");
                return 2;
            }

            var configuration = new ConfigurationBuilder();
            ExtractorConfiguration.Apply(configuration, parseResult.GetValue(config), new Dictionary<string, string?> { ["Kafka:BootstrapServers"] = parseResult.GetValue(bootstrap) });
            var settings = configuration.Build();
            var services = new ServiceCollection()
                .AddLogging(logging => logging.AddConfiguration(settings.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true))
                .AddExtractorReplay(settings);
            await using var provider = services.BuildServiceProvider();
            try
            {
                var sink = provider.GetRequiredService<IRawSink>();
                if (parseResult.GetValue(archive) is not null)
                {
                    var archived = await RepublishAsync(directory.FullName, parseResult.GetValue(from), parseResult.GetValue(to), sink, cancellationToken);
                    await output.WriteLineAsync($"re-published {archived} archived records from {directory.FullName} in event-time order");
                    return 0;
                }

                var replayer = provider.GetRequiredService<FrameReplayer>();
                var summary = await replayer.ReplayAsync(directory.FullName, sink, cancellationToken);
                if (sink is IFlushableRawSink flushable)
                {
                    await flushable.FlushAsync(cancellationToken);
                }

                await output.WriteLineAsync(
                    $"replayed {summary.Frames} frames from {directory.FullName}: {summary.Ticks} ticks, {summary.Records} oracle rounds and venue candles, {summary.Rejected} rejected to dlq.extractors, {summary.WithoutParser} unreadable (skipped)");
                return 0;
            }
            catch (OptionsValidationException ex)
            {
                await error.WriteLineAsync("cryptostreams replay: invalid configuration: " + string.Join("; ", ex.Failures));
                return 2;
            }
            catch (RecordingFormatException ex)
            {
                await error.WriteLineAsync("cryptostreams replay: " + ex.Message);
                return 2;
            }
            catch (InvalidDataException ex)
            {
                await error.WriteLineAsync("cryptostreams replay --archive: " + ex.Message);
                return 2;
            }
        });
        return command;
    }

    /// <summary>A time on the command line, read as UTC unless it gives its offset.</summary>
    private static Option<DateTimeOffset?> UtcTime(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at))
            {
                return at;
            }

            result.AddError($"{name}: cannot read '{text}' as a time (e.g. 2026-12-07T13:00Z).");
            return null;
        },
    };

    private static async Task<long> RepublishAsync(string root, DateTimeOffset? from, DateTimeOffset? to, IRawSink sink, CancellationToken cancellationToken)
    {
        var rows = await ArchiveReader.ReadAsync(root, from, to, cancellationToken);
        foreach (var row in rows)
        {
            await (row.Record switch
            {
                Tick tick => sink.PublishTickAsync(tick, cancellationToken),
                OracleRound round => sink.PublishOracleRoundAsync(round, cancellationToken),
                Gap gap => sink.PublishGapAsync(gap, cancellationToken),
                Candle candle => sink.PublishCandleAsync(candle, cancellationToken),
                _ => throw new InvalidDataException($"{row.Topic}: unexpected record {row.Record.GetType().Name}"),
            });
        }

        if (sink is IFlushableRawSink flushable)
        {
            await flushable.FlushAsync(cancellationToken);
        }

        return rows.Count;
    }
}
