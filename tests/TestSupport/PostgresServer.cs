using System.Diagnostics;
using Npgsql;
using Xunit;

namespace CryptoStreams.TestSupport;

/// <summary>
/// The project's private PostgreSQL cluster (scripts/postgres.sh). Tests use the connection string in
/// <c>CRYPTOSTREAMS_DATABASE</c> when set; otherwise they run the script, which installs and starts the
/// cluster when needed, so <c>dotnet test</c> works on its own too.
/// </summary>
public static class PostgresServer
{
    public const string EnvironmentVariable = "CRYPTOSTREAMS_DATABASE";

    private static readonly Lazy<string> Server = new(Resolve, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Connection string of the server's maintenance database.</summary>
    public static string ConnectionString => Server.Value;

    private static string Resolve()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return configured;
        }

        var script = RepositoryPaths.Combine("scripts", "postgres.sh");
        var start = new ProcessStartInfo("bash", [script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {script}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{script} failed ({process.ExitCode}): {stderr.Result}");
        }

        return stdout.Result.Trim().Split('\n')[^1];
    }
}

/// <summary>
/// An xunit class fixture that creates a fresh, empty database for one test class and drops it afterwards.
/// </summary>
public sealed class PostgresDatabaseFixture : IAsyncLifetime
{
    public string DatabaseName { get; } = "test_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>Connection string of the fresh database.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(PostgresServer.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{DatabaseName}\"", admin);
            await create.ExecuteNonQueryAsync();
        }

        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresServer.ConnectionString) { Database = DatabaseName }.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (DataSource is not null)
        {
            await DataSource.DisposeAsync();
        }

        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(PostgresServer.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{DatabaseName}\" WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }
}
