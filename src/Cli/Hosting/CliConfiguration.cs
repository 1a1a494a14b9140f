using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Configuration;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// The configuration layers every command reads, lowest first: <c>appsettings.json</c> beside the executable, an
/// optional <c>--config</c> file, environment variables <c>CRYPTOSTREAMS__Section__Key</c>, then command-line options.
/// </summary>
internal static class CliConfiguration
{
    public const string EnvironmentPrefix = "CRYPTOSTREAMS__";

    /// <summary>The section whose <c>Cli:Kafka:*</c> overrides <c>Kafka:*</c> for the CLI's own clients (topics, watch, views).</summary>
    public const string Section = "Cli";

    /// <summary>The CLI's Kafka security from <paramref name="configuration"/>, or the layers alone (appsettings.json, environment).</summary>
    public static KafkaSecurityOptions KafkaSecurity(IConfiguration? configuration = null) =>
        KafkaSecurityBinding.Read(configuration ?? new ConfigurationBuilder().AddCryptoStreamsLayers(null, []).Build(), Section);

    public static IConfigurationBuilder AddCryptoStreamsLayers(
        this IConfigurationBuilder builder, FileInfo? extraFile, IEnumerable<KeyValuePair<string, string?>> commandLine,
        IEnumerable<KeyValuePair<string, string?>>? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Sources.Clear();
        if (defaults is not null)
        {
            // Below every other layer: a mode's sensible defaults that any file, variable or flag still overrides.
            builder.AddInMemoryCollection(defaults.Where(p => p.Value is not null));
        }

        builder.AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (extraFile is not null)
        {
            if (!extraFile.Exists)
            {
                throw new FileNotFoundException($"--config: {extraFile.FullName} does not exist", extraFile.FullName);
            }

            builder.AddJsonFile(extraFile.FullName, optional: false, reloadOnChange: false);
        }

        builder.AddEnvironmentVariables(EnvironmentPrefix);
        builder.AddInMemoryCollection(commandLine.Where(p => p.Value is not null));
        return builder;
    }
}
