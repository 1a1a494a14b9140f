using System.CommandLine;
using CryptoStreams.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Cli.Commands;

/// <summary><c>cryptostreams process</c>: runs the Streamiz topology against a broker until Ctrl+C.</summary>
internal static class ProcessCommand
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var config = CommonOptions.Config();
        var applicationId = new Option<string?>("--application-id")
        {
            Description = "Streamiz application id (consumer group and changelog prefix). Default: cryptostreams-topology.",
        };
        var stateDir = new Option<string?>("--state-dir")
        {
            Description = "Directory for state stores (RocksDB) and task state. Default: <temp>/cryptostreams/streams.",
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "Stream threads. Default: 1.",
        };
        var exactlyOnce = new Option<bool>("--exactly-once")
        {
            Description = "Process exactly once (Kafka transactions). Default: at least once.",
        };

        var command = new Command("process", "Run the Streamiz topology: raw topics into candles, consensus, deviation and crossover signals.")
        {
            bootstrap, applicationId, stateDir, threads, exactlyOnce, config,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            // Only what was typed overrides appsettings.json and CRYPTOSTREAMS__ variables.
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal);
            if (parseResult.GetResult(bootstrap) is { Implicit: false })
            {
                overrides["Kafka:BootstrapServers"] = parseResult.GetValue(bootstrap);
            }

            if (parseResult.GetValue(applicationId) is { } id)
            {
                overrides["Topology:ApplicationId"] = id;
            }

            if (parseResult.GetValue(stateDir) is { } dir)
            {
                overrides["Topology:StateDir"] = dir;
            }

            if (parseResult.GetValue(threads) is { } n)
            {
                overrides["Topology:Threads"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            if (parseResult.GetValue(exactlyOnce))
            {
                overrides["Topology:ExactlyOnce"] = "true";
            }

            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                ContentRootPath = AppContext.BaseDirectory,
                DisableDefaults = false,
            });
            if (parseResult.GetValue(config) is { } file)
            {
                builder.Configuration.AddJsonFile(file.FullName, optional: false);
            }

            builder.Configuration.AddEnvironmentVariables("CRYPTOSTREAMS__");
            builder.Configuration.AddInMemoryCollection(overrides);
            builder.Services.AddCryptoTopology(builder.Configuration);

            using var host = builder.Build();
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                await parseResult.InvocationConfiguration.Error.WriteLineAsync("cryptostreams process: invalid configuration: " + ex.Message).ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }
}
