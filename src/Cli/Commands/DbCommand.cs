using System.CommandLine;
using System.Globalization;
using CryptoStreams.Loader;
using CryptoStreams.Loader.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CryptoStreams.Cli.Commands;

/// <summary><c>cryptostreams db migrate|status</c>: the market schema's migrations, storage mode and row counts.</summary>
internal static class DbCommand
{
    public static Command Create()
    {
        var command = new Command("db", "Database schema: apply migrations, show status and mode (TimescaleDB or plain PostgreSQL).");
        command.Subcommands.Add(Migrate());
        command.Subcommands.Add(Status());
        return command;
    }

    private static Command Migrate()
    {
        var database = CommonOptions.Database();
        var config = CommonOptions.Config();
        var storage = new Option<StoragePreference?>("--storage")
        {
            Description = "Auto (TimescaleDB when the server offers the extension), PostgreSql or TimescaleDb. Default: Loader:Storage, else Auto.",
        };
        var command = new Command("migrate", "Apply pending migrations under an advisory lock.") { database, config, storage };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = LoaderCommandConfiguration.Build(parse.GetValue(config), []);
            var preference = parse.GetValue(storage)
                ?? configuration.GetSection(LoaderOptions.Section).GetValue<StoragePreference?>(nameof(LoaderOptions.Storage))
                ?? StoragePreference.Auto;
            var output = parse.InvocationConfiguration.Output;
            await using var dataSource = NpgsqlDataSource.Create(LoaderCommandConfiguration.ConnectionString(parse.GetValue(database), configuration));
            using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Information));
            try
            {
                var outcome = await new MigrationRunner(dataSource, loggers.CreateLogger<MigrationRunner>()).MigrateAsync(preference, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(outcome.Applied.Count == 0
                    ? $"Schema is up to date ({StorageModeSelector.Describe(outcome.Mode)})."
                    : $"Applied {outcome.Applied.Count} migration(s) ({StorageModeSelector.Describe(outcome.Mode)}): {string.Join(", ", outcome.Applied.Select(Name))}.").ConfigureAwait(false);
                return 0;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"cryptostreams db migrate: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    private static Command Status()
    {
        var database = CommonOptions.Database();
        var config = CommonOptions.Config();
        var command = new Command("status", "Show applied migrations, storage mode and row counts.") { database, config };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var configuration = LoaderCommandConfiguration.Build(parse.GetValue(config), []);
            var output = parse.InvocationConfiguration.Output;
            await using var dataSource = NpgsqlDataSource.Create(LoaderCommandConfiguration.ConnectionString(parse.GetValue(database), configuration));
            try
            {
                var status = await SchemaInspector.ReadStatusAsync(dataSource, cancellationToken).ConfigureAwait(false);
                await output.WriteLineAsync(Describe(status)).ConfigureAwait(false);
                return 0;
            }
            catch (NpgsqlException ex)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"cryptostreams db status: {ex.Message}").ConfigureAwait(false);
                return 1;
            }
        });
        return command;
    }

    /// <summary>The text <c>db status</c> prints.</summary>
    internal static string Describe(DatabaseStatus status)
    {
        var text = new System.Text.StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"mode: {(status.Mode is { } mode ? StorageModeSelector.Describe(mode) : "not migrated yet")} "
            + $"(timescaledb extension {(status.TimescaleAvailable ? "available" : "not available")} on this server)");
        text.AppendLine("applied migrations:");
        foreach (var applied in status.Applied)
        {
            text.AppendLine(culture, $"  {applied.Version:0000} {applied.Name,-28} {applied.AppliedAt:yyyy-MM-dd HH:mm:ss}Z");
        }

        if (status.Applied.Count == 0)
        {
            text.AppendLine("  (none)");
        }

        text.AppendLine(culture, $"pending migrations: {(status.Pending.Count == 0 ? "none" : string.Join(", ", status.Pending.Select(Name)))}");
        text.AppendLine("rows:");
        foreach (var (table, rows) in status.RowCounts)
        {
            text.AppendLine(culture, $"  {table,-26} {rows,12:N0}");
        }

        return text.ToString().TrimEnd();
    }

    private static string Name(Migration migration) => $"{migration.Version:0000}_{migration.Name}";
}

/// <summary>
/// Configuration for the loader's commands: appsettings.json beside the executable, an optional <c>--config</c> file,
/// environment variables <c>CRYPTOSTREAMS__Section__Key</c>, then command-line options.
/// </summary>
internal static class LoaderCommandConfiguration
{
    public static IConfigurationRoot Build(FileInfo? extraFile, IEnumerable<KeyValuePair<string, string?>> commandLine)
    {
        var builder = new ConfigurationBuilder().AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (extraFile is not null)
        {
            builder.AddJsonFile(extraFile.FullName, optional: false, reloadOnChange: false);
        }

        return builder.AddEnvironmentVariables("CRYPTOSTREAMS__").AddInMemoryCollection(commandLine.Where(p => p.Value is not null)).Build();
    }

    /// <summary><c>--database</c>, else <c>Database:ConnectionString</c>, else the private cluster.</summary>
    public static string ConnectionString(string? option, IConfiguration configuration) =>
        option ?? configuration["Database:ConnectionString"] ?? LoaderOptions.DefaultConnectionString;
}
