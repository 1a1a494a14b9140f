using Npgsql;

namespace CryptoStreams.Cli.Hosting;

/// <summary>Makes sure the database named in the connection string exists before migrations run.</summary>
internal static class DatabaseBootstrap
{
    /// <summary>The project's private cluster (scripts/postgres.sh), the same default as <c>cryptostreams load</c>.</summary>
    public const string PrivateCluster = Loader.LoaderOptions.DefaultConnectionString;

    public static async Task EnsureDatabaseAsync(string connectionString, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(connectionString);
        var database = target.Database ?? throw new InvalidOperationException("the database connection string names no Database");
        var maintenance = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        try
        {
            await using var connection = new NpgsqlConnection(maintenance.ConnectionString);
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = database } } };
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
            {
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (NpgsqlException ex) when (ex is not PostgresException { SqlState: "42P04" })
        {
            throw new InvalidOperationException(
                $"PostgreSQL at {target.Host}:{target.Port} does not answer ({ex.Message}). Start the private cluster with scripts/postgres.sh, or pass --database.",
                ex);
        }
    }
}
