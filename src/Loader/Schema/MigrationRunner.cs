using Microsoft.Extensions.Logging;
using Npgsql;

namespace CryptoStreams.Loader.Schema;

/// <summary>What <see cref="MigrationRunner.MigrateAsync"/> did.</summary>
/// <param name="Mode">The storage mode the schema is in.</param>
/// <param name="Applied">Migrations applied by this run, in order (empty when the schema was up to date).</param>
public sealed record MigrationOutcome(StorageMode Mode, IReadOnlyList<Migration> Applied);

/// <summary>
/// Applies the embedded migrations in version order under a PostgreSQL advisory lock and records each in
/// <c>market.schema_history</c>, so concurrent loaders and <c>db migrate</c> runs apply every migration exactly once.
/// </summary>
public sealed partial class MigrationRunner(NpgsqlDataSource dataSource, ILogger<MigrationRunner> logger)
{
    /// <summary>Advisory lock key: the first 8 bytes of "cryptost" — any fixed value no other tool uses.</summary>
    internal const long AdvisoryLockKey = 0x63727970746f7374;

    private const string HistoryDdl = """
        CREATE SCHEMA IF NOT EXISTS market;
        CREATE TABLE IF NOT EXISTS market.schema_history (
            version    integer     PRIMARY KEY,
            name       text        NOT NULL,
            mode       text        NOT NULL,
            checksum   text        NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now()
        );
        """;

    /// <summary>Brings the schema up to date; waits for any other run holding the lock.</summary>
    /// <exception cref="InvalidOperationException">An applied migration was edited afterwards, or the mode cannot be honoured.</exception>
    public async Task<MigrationOutcome> MigrateAsync(StoragePreference preference, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken).ConfigureAwait(false);
        try
        {
            await ExecuteAsync(connection, HistoryDdl, cancellationToken).ConfigureAwait(false);
            var history = await SchemaInspector.ReadHistoryAsync(connection, cancellationToken).ConfigureAwait(false);
            var available = await SchemaInspector.TimescaleAvailableAsync(connection, cancellationToken).ConfigureAwait(false);
            var mode = StorageModeSelector.Choose(preference, available, SchemaInspector.RecordedMode(history));
            var wanted = MigrationCatalog.For(mode);
            VerifyUnchanged(history, wanted);

            var applied = new List<Migration>();
            foreach (var migration in wanted.Where(m => history.All(h => h.Version != m.Version)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                await ApplyAsync(connection, migration, mode, cancellationToken).ConfigureAwait(false);
                LogApplied(migration.Version, migration.Name, mode);
                applied.Add(migration);
            }

            return new MigrationOutcome(mode, applied);
        }
        finally
        {
            // Unlock even when cancelled: the connection goes back to the pool and must not keep the lock.
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static void VerifyUnchanged(IReadOnlyList<AppliedMigration> history, IReadOnlyList<Migration> wanted)
    {
        foreach (var done in history)
        {
            var now = wanted.FirstOrDefault(m => m.Version == done.Version);
            if (now is not null && now.Checksum != done.Checksum)
            {
                throw new InvalidOperationException(
                    $"Migration {done.Version:0000}_{done.Name} was changed after it was applied (checksum {done.Checksum[..12]} → {now.Checksum[..12]}); "
                    + "add a new migration instead of editing an applied one.");
            }
        }
    }

    private static async Task ApplyAsync(NpgsqlConnection connection, Migration migration, StorageMode mode, CancellationToken cancellationToken)
    {
        const string record = "INSERT INTO market.schema_history (version, name, mode, checksum) VALUES ($1, $2, $3, $4)";
        if (migration.Transactional)
        {
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, migration.Sql, cancellationToken).ConfigureAwait(false);
            await RecordAsync().ConfigureAwait(false);
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // Each statement must be idempotent (IF NOT EXISTS / if_not_exists): a crash half way re-runs them all.
        foreach (var statement in migration.Statements)
        {
            await ExecuteAsync(connection, statement, cancellationToken).ConfigureAwait(false);
        }

        await RecordAsync().ConfigureAwait(false);

        async Task RecordAsync()
        {
            await using var command = new NpgsqlCommand(record, connection);
            command.Parameters.AddWithValue(migration.Version);
            command.Parameters.AddWithValue(migration.Name);
            command.Parameters.AddWithValue(SchemaInspector.ModeName(mode));
            command.Parameters.AddWithValue(migration.Checksum);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information, Message = "Applied migration {Version:0000} {Name} ({Mode})")]
    private partial void LogApplied(int version, string name, StorageMode mode);
}
