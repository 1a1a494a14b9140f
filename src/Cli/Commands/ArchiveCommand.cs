using System.CommandLine;
using CryptoStreams.Archive;
using CryptoStreams.Cli.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Cli.Commands;

/// <summary><c>cryptostreams archive</c>: runs the raw archive in the foreground until Ctrl+C.</summary>
internal static class ArchiveCommand
{
    public static Command Create()
    {
        var bootstrap = CommonOptions.Bootstrap();
        var config = CommonOptions.Config();
        var dir = new Option<DirectoryInfo?>("--dir", "-d") { Description = "Archive folder (Archive:Directory, default .data/archive); with Archive:S3:Bucket set, only files being written go here." };
        var group = new Option<string?>("--group", "-g") { Description = "Consumer group id (Archive:GroupId, default cryptostreams-archive)." };
        var command = new Command("archive", "Run the raw archive: every raw.* topic into Parquet files (local folder, or S3 when Archive:S3:* is set), exactly once.")
        {
            bootstrap, config, dir, group,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>(StringComparer.Ordinal)
            {
                // The option's default must not hide Kafka:BootstrapServers from configuration.
                ["Kafka:BootstrapServers"] = parse.GetResult(bootstrap) is { Implicit: false } ? parse.GetValue(bootstrap) : null,
                ["Archive:Directory"] = parse.GetValue(dir)?.FullName,
                ["Archive:GroupId"] = parse.GetValue(group),
            };
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
            builder.Configuration.AddCryptoStreamsLayers(parse.GetValue(config), overrides);
            builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddSimpleConsole(o => o.SingleLine = true);
            builder.Services.AddArchive(builder.Configuration);
            using var host = builder.Build();
            try
            {
                await host.RunAsync(cancellationToken).ConfigureAwait(false);
                return 0;
            }
            catch (OptionsValidationException ex)
            {
                return CliConsole.Fail(parse, "archive: invalid configuration: " + string.Join("; ", ex.Failures));
            }
        });
        return command;
    }
}
