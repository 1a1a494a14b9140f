using System.CommandLine;
using System.Globalization;
using CryptoStreams.Cli.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Spectre.Console;

namespace CryptoStreams.Cli.Commands;

internal static class UpCommand
{
    public static Command Create()
    {
        var bootstrap = new Option<string?>("--bootstrap", "-b") { Description = "Use this Kafka (host:port[,…]) instead of starting the embedded broker." };
        var database = CommonOptions.Database();
        var config = CommonOptions.Config();
        var simulate = new Option<bool>("--simulate") { Description = "Run the seeded synthetic market instead of the live sources (no internet needed)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic market (--simulate).", DefaultValueFactory = _ => 42 };
        var speed = new Option<double>("--speed")
        {
            Description = "Simulated seconds per wall-clock second (--simulate). The default shows candles, deviations and crossovers within two minutes.",
            DefaultValueFactory = _ => 60,
        };
        var replay = new Option<DirectoryInfo?>("--replay") { Description = "Replay recorded frames from this folder instead of connecting to the sources." };
        var brokerData = new Option<DirectoryInfo>("--broker-data")
        {
            Description = "Where the embedded broker keeps its log, so a restart continues where it stopped.",
            DefaultValueFactory = _ => new DirectoryInfo(Path.Combine(".data", "broker")),
        };
        var partitions = TopicsCommand.Partitions();
        var apiPort = new Option<int?>("--api-port") { Description = "Port of the management API (default 5000; Api:Port)." };
        var noApi = new Option<bool>("--no-api") { Description = "Do not start the management API." };
        var noArchive = new Option<bool>("--no-archive") { Description = "Do not run the raw archive (Archive:Enabled=false)." };
        var plain = new Option<bool>("--plain") { Description = "Log lines instead of the live status view (the default when output is not a terminal)." };
        var command = new Command("up", "Run the whole pipeline: embedded broker, PostgreSQL, extractors, topology and loader, with a live status view.")
        {
            bootstrap, database, config, simulate, seed, speed, replay, brokerData, partitions, apiPort, noApi, noArchive, plain,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(simulate) && result.GetValue(replay) is not null)
            {
                result.AddError("--simulate and --replay exclude each other: pick one source of ticks.");
            }

            // A command validator sees an option left at its default as unset (0), so only check a given --speed.
            if (result.GetResult(speed) is { Implicit: false } given && given.GetValueOrDefault<double>() <= 0)
            {
                result.AddError("--speed must be positive.");
            }
        });

        command.SetAction(async (parseResult, ct) =>
        {
            var external = parseResult.GetValue(bootstrap);
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                ["Kafka:BootstrapServers"] = external,
                ["Database:ConnectionString"] = parseResult.GetValue(database),
                ["Api:Port"] = parseResult.GetValue(apiPort)?.ToString(CultureInfo.InvariantCulture),
                ["Api:Enabled"] = parseResult.GetValue(noApi) ? "false" : null,
            };
            if (external is null)
            {
                overrides["Broker:DataDirectory"] = parseResult.GetValue(brokerData)!.FullName;
            }

            foreach (var (key, value) in ExtractorModes.Overrides(parseResult.GetValue(simulate), parseResult.GetValue(seed), parseResult.GetValue(speed)))
            {
                overrides[key] = value;
            }

            var interactive = !parseResult.GetValue(plain) && ReferenceEquals(parseResult.InvocationConfiguration.Output, Console.Out) && !Console.IsOutputRedirected;
            try
            {
                var defaults = ExtractorModes.Defaults(parseResult.GetValue(simulate), parseResult.GetValue(speed));
                return await RunAsync(parseResult.GetValue(config), overrides, defaults, external is null, parseResult.GetValue(partitions), parseResult.GetValue(replay), interactive, parseResult, ct).ConfigureAwait(false);
            }
            catch (OptionsValidationException ex)
            {
                return CliConsole.Fail(parseResult, "up: invalid configuration: " + string.Join("; ", ex.Failures));
            }
            catch (InvalidOperationException ex)
            {
                return CliConsole.Fail(parseResult, "up: " + ex.Message);
            }
            catch (FileNotFoundException ex)
            {
                return CliConsole.Fail(parseResult, "up: " + ex.Message);
            }
        });
        return command;
    }

    /// <summary>
    /// The stages <c>up</c> runs: every one (the broker only when embedded), the archive unless <c>--no-archive</c> is
    /// given or configuration sets <c>Archive:Enabled=false</c>.
    /// </summary>
    internal static PipelineStages Stages(ParseResult parseResult, IConfiguration configuration, bool embedded)
    {
        var stages = embedded ? PipelineStages.All : PipelineStages.All & ~PipelineStages.Broker;
        return parseResult.GetValue<bool>("--no-archive") || !configuration.GetValue("Archive:Enabled", true)
            ? stages & ~PipelineStages.Archive
            : stages;
    }

    private static async Task<int> RunAsync(
        FileInfo? configFile, Dictionary<string, string?> overrides, IEnumerable<KeyValuePair<string, string?>> defaults, bool embedded, int partitions, DirectoryInfo? replay, bool interactive, ParseResult parseResult, CancellationToken ct)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Configuration.AddCryptoStreamsLayers(configFile, overrides, defaults);
        var configuration = builder.Configuration;
        var bootstrapServers = embedded
            ? $"{configuration["Broker:Host"] ?? "127.0.0.1"}:{configuration["Broker:Port"] ?? "9092"}"
            : configuration["Kafka:BootstrapServers"] ?? CommonOptions.DefaultBootstrap;
        configuration["Kafka:BootstrapServers"] = bootstrapServers;
        var connectionString = configuration["Database:ConnectionString"] ?? DatabaseBootstrap.PrivateCluster;
        configuration["Database:ConnectionString"] = connectionString;

        if (replay is { Exists: false })
        {
            throw new InvalidOperationException($"--replay: folder {replay.FullName} does not exist");
        }

        var settings = new PipelineSettings(Stages(parseResult, configuration, embedded), bootstrapServers, partitions, ReplayDirectory: replay?.FullName) { Kafka = CliConfiguration.KafkaSecurity(configuration) };
        var recent = new RecentLogs(TimeProvider.System);
        builder.Logging.AddConfiguration(configuration.GetSection("Logging"));
        if (interactive)
        {
            builder.Logging.AddProvider(recent);
        }
        else
        {
            builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.UseUtcTimestamp = true;
            });
        }

        builder.Services.AddPipeline(configuration, settings);
        if (interactive)
        {
            builder.Services.AddSingleton(recent);
            builder.Services.AddSingleton(CliConsole.For(parseResult));
            builder.Services.AddHostedService<StatusView>();
        }

        await DatabaseBootstrap.EnsureDatabaseAsync(connectionString, ct).ConfigureAwait(false);
        using var host = builder.Build();
        await host.RunAsync(ct).ConfigureAwait(false);
        if (interactive)
        {
            CliConsole.For(parseResult).MarkupLine("[green]stopped cleanly[/]: extractors flushed, topology and loader committed, broker closed.");
        }

        return 0;
    }
}

/// <summary>How <c>up</c> tells the extractors where ticks come from (live, simulated or replayed).</summary>
internal static class ExtractorModes
{
    public static IEnumerable<KeyValuePair<string, string?>> Overrides(bool simulate, int seed, double speed)
    {
        if (simulate)
        {
            yield return new("Extractors:Simulate:Enabled", "true");
            yield return new("Extractors:Simulate:Seed", seed.ToString(CultureInfo.InvariantCulture));
            yield return new("Extractors:Simulate:Speed", speed.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Defaults a mode brings that configuration may still override. The simulated market runs <paramref name="speed"/>
    /// times faster than the wall clock, so the ordinary skew between raw topics (up to a second or two of wall time
    /// on a busy machine) is that many times longer in simulated time; the grace period grows with it, or ticks would
    /// be dead-lettered as late only because the demo runs fast.
    /// </summary>
    public static IEnumerable<KeyValuePair<string, string?>> Defaults(bool simulate, double speed)
    {
        if (simulate)
        {
            var grace = TimeSpan.FromSeconds(Math.Max(30, Math.Ceiling(2 * speed)));
            yield return new("Topology:Grace", grace.ToString());
        }
    }
}
