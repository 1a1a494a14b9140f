using System.CommandLine;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.Recording;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Cli.Commands;

/// <summary>
/// <c>cryptostreams replay DIR</c>: pushes frames recorded with <c>extract --record DIR</c> through the same parsers
/// into the raw topics, in receive-time order with the recorded receive times; rejects go to <c>dlq.extractors</c>.
/// </summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "Folder of NDJSON frame recordings written by --record." };
        var bootstrap = CommonOptions.Bootstrap();
        var config = CommonOptions.Config();
        var command = new Command("replay", "Push recorded frames (exchanges, price APIs, Chainlink, venue candles) through the parsers into the raw topics, deterministically.") { dir, bootstrap, config };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var directory = parseResult.GetValue(dir)!;
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
                var replayer = provider.GetRequiredService<FrameReplayer>();
                var sink = provider.GetRequiredService<IRawSink>();
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
        });
        return command;
    }
}
