using System.CommandLine;
using System.Globalization;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Cli.Commands;

/// <summary>
/// <c>cryptostreams extract</c>: hosts the extractors (live sources, or the simulated market with <c>--simulate</c>)
/// and prints per-source rates, reconnects and gaps until Ctrl+C, then flushes what was accepted to Kafka.
/// </summary>
internal static class ExtractCommand
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var config = CommonOptions.Config();
        var simulate = new Option<bool>("--simulate") { Description = "Run a seeded synthetic market instead of the live sources (no internet needed)." };
        var seed = new Option<int?>("--seed") { Description = "Seed of the simulated market (default 42). Same seed and start, same records." };
        var speed = new Option<double?>("--speed") { Description = "Simulated seconds per wall-clock second (default 60)." };
        var record = new Option<DirectoryInfo?>("--record") { Description = "Save every received frame as NDJSON per source in this folder (replay with `cryptostreams replay DIR`)." };
        var statusEvery = new Option<int>("--status-interval")
        {
            Description = "Seconds between status lines (0 = none).",
            DefaultValueFactory = _ => 5,
        };
        var command = new Command("extract", "Run the extractors: exchange WebSockets, price APIs and Chainlink feeds into the raw topics.")
        {
            bootstrap, config, simulate, seed, speed, record, statusEvery,
        };

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["Kafka:BootstrapServers"] = parseResult.GetValue(bootstrap),
            };
            if (parseResult.GetValue(simulate))
            {
                overrides["Extractors:Simulate:Enabled"] = "true";
            }

            if (parseResult.GetValue(seed) is { } s)
            {
                overrides["Extractors:Simulate:Seed"] = s.ToString(CultureInfo.InvariantCulture);
            }

            if (parseResult.GetValue(speed) is { } v)
            {
                overrides["Extractors:Simulate:Speed"] = v.ToString(CultureInfo.InvariantCulture);
            }

            if (parseResult.GetValue(record) is { } dir)
            {
                overrides["Extractors:RecordDirectory"] = dir.FullName;
            }

            var output = parseResult.InvocationConfiguration.Output;
            var error = parseResult.InvocationConfiguration.Error;
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            ExtractorConfiguration.Apply(builder.Configuration, parseResult.GetValue(config), overrides);
            builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.AddExtractors(builder.Configuration);

            using var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (OptionsValidationException ex)
            {
                await error.WriteLineAsync("cryptostreams extract: invalid configuration: " + string.Join("; ", ex.Failures));
                return 2;
            }
            catch (OperationCanceledException)
            {
                return 0;
            }

            var status = host.Services.GetRequiredService<ExtractorStatus>();
            var sink = host.Services.GetRequiredService<KafkaRawSink>();
            var interval = TimeSpan.FromSeconds(Math.Max(0, parseResult.GetValue(statusEvery)));
            try
            {
                if (interval > TimeSpan.Zero)
                {
                    using var timer = new PeriodicTimer(interval);
                    while (await timer.WaitForNextTickAsync(cancellationToken))
                    {
                        await output.WriteAsync(StatusLines(status, sink));
                    }
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: stop below.
            }

            await output.WriteLineAsync("stopping: waiting for the connectors and flushing to Kafka…");
            using (var stopTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                await host.StopAsync(stopTimeout.Token);
            }

            await output.WriteAsync(StatusLines(status, sink));
            return 0;
        });
        return command;
    }

    /// <summary>One line per source, then the producer's figures.</summary>
    internal static string StatusLines(ExtractorStatus status, KafkaRawSink sink)
    {
        var text = new System.Text.StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"{"source",-12} {"state",-12} {"ticks",10} {"ticks/s",9} {"rounds",7} {"reconn",7} {"gaps",6} {"dlq",6} {"restarts",8} {"candles",7}  last error");
        foreach (var s in status.Snapshot())
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{s.Source,-12} {s.State,-12} {s.Ticks,10} {s.TicksPerSecond,9:0.0} {s.OracleRounds,7} {s.Reconnects,7} {s.Gaps,6} {s.DeadLetters,6} {s.Restarts,8} {s.Candles,7}  {s.LastError}");
            if (s.UnavailableSymbols is { Count: > 0 } unavailable)
            {
                // The instrument refresh found tracked symbols this venue does not trade: they are not subscribed.
                text.AppendLine(CultureInfo.InvariantCulture, $"{string.Empty,-12} not subscribed: {string.Join("; ", unavailable)}");
            }
        }

        text.AppendLine(CultureInfo.InvariantCulture, $"kafka: delivered {sink.Delivered}, in flight {sink.InFlight}, delivery errors {sink.DeliveryErrors}");
        return text.ToString();
    }
}

/// <summary>How the extractor commands layer configuration: appsettings.json, --config, CRYPTOSTREAMS__ variables, options.</summary>
internal static class ExtractorConfiguration
{
    public static void Apply(IConfigurationBuilder configuration, FileInfo? configFile, IDictionary<string, string?> overrides)
    {
        configuration.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            configuration.AddJsonFile(configFile.FullName, optional: false, reloadOnChange: false);
        }

        configuration.AddEnvironmentVariables("CRYPTOSTREAMS__");
        configuration.AddInMemoryCollection(overrides.Where(p => p.Value is not null));
    }
}
