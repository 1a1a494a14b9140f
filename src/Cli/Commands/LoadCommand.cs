using System.CommandLine;
using CryptoStreams.Loader;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Cli.Commands;

/// <summary><c>cryptostreams load</c>: runs the loader in the foreground until Ctrl+C.</summary>
internal static class LoadCommand
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var database = CommonOptions.Database();
        var config = CommonOptions.Config();
        var group = new Option<string?>("--group", "-g") { Description = "Consumer group id (Loader:GroupId). Loaders sharing a group share the partitions." };
        var rawTrades = new Option<bool>("--raw-trades") { Description = "Also load the raw exchange trades into market.trades (Loader:IncludeRawTrades)." };
        var batchSize = new Option<int?>("--batch-size") { Description = "Records per batch (Loader:BatchSize, default 5000)." };
        var command = new Command("load", "Run the loader: transformed topics into PostgreSQL/TimescaleDB, exactly once.")
        {
            bootstrap, database, config, group, rawTrades, batchSize,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                // The option's default must not hide Kafka:BootstrapServers from configuration.
                ["Kafka:BootstrapServers"] = parse.GetResult(bootstrap) is { Implicit: false } ? parse.GetValue(bootstrap) : null,
                ["Database:ConnectionString"] = parse.GetValue(database),
                ["Loader:GroupId"] = parse.GetValue(group),
                ["Loader:IncludeRawTrades"] = parse.GetValue(rawTrades) ? "true" : null,
                ["Loader:BatchSize"] = parse.GetValue(batchSize)?.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            builder.Configuration.AddConfiguration(LoaderCommandConfiguration.Build(parse.GetValue(config), overrides));
            builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.AddLoader(builder.Configuration);
            using var host = builder.Build();
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (OptionsValidationException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"cryptostreams load: invalid configuration: {string.Join("; ", ex.Failures)}").ConfigureAwait(false);
                return 2;
            }
        });
        return command;
    }
}
