using Npgsql;

namespace CryptoStreams.Loader.Schema;

/// <summary>A row of <c>market.schema_history</c>.</summary>
public sealed record AppliedMigration(int Version, string Name, StorageMode Mode, string Checksum, DateTimeOffset AppliedAt);

/// <summary>What <c>cryptostreams db status</c> shows.</summary>
/// <param name="Mode">The mode the schema was migrated in; null before the first migration.</param>
/// <param name="TimescaleAvailable">Whether the server offers the timescaledb extension.</param>
/// <param name="Applied">Applied migrations, in order.</param>
/// <param name="Pending">Migrations of the mode that are not applied yet.</param>
/// <param name="RowCounts">Rows per market table (only tables that exist).</param>
public sealed record DatabaseStatus(
    StorageMode? Mode,
    bool TimescaleAvailable,
    IReadOnlyList<AppliedMigration> Applied,
    IReadOnlyList<Migration> Pending,
    IReadOnlyList<KeyValuePair<string, long>> RowCounts);

/// <summary>Reads the schema's state without changing it.</summary>
public static class SchemaInspector
{
    /// <summary>The tables the loader writes, as <c>db status</c> lists them.</summary>
    public static readonly IReadOnlyList<string> MarketTables =
        ["market.trades", "market.candles_1m", "market.consensus_1m", "market.oracle_deviation", "market.crossover_signals", "market.venue_candles_1m", "market.loader_offsets"];

    public static async Task<DatabaseStatus> ReadStatusAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        var available = await TimescaleAvailableAsync(connection, cancellationToken).ConfigureAwait(false);
        var history = await ReadHistoryAsync(connection, cancellationToken).ConfigureAwait(false);
        var mode = RecordedMode(history);
        var pending = mode is { } m
            ? MigrationCatalog.For(m).Where(x => history.All(h => h.Version != x.Version)).ToList()
            : MigrationCatalog.For(StorageModeSelector.Choose(StoragePreference.Auto, available, null)).ToList();

        var counts = new List<KeyValuePair<string, long>>();
        foreach (var table in MarketTables)
        {
            await using var exists = new NpgsqlCommand("SELECT to_regclass($1) IS NOT NULL", connection);
            exists.Parameters.AddWithValue(table);
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true)
            {
                // The table names come from the constant list above, never from input.
#pragma warning disable CA2100
                await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
#pragma warning restore CA2100
                counts.Add(new(table, (long)(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!));
            }
        }

        return new DatabaseStatus(mode, available, history, pending, counts);
    }

    internal static async Task<bool> TimescaleAvailableAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')", connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is true;
    }

    internal static async Task<IReadOnlyList<AppliedMigration>> ReadHistoryAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('market.schema_history') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
            {
                return [];
            }
        }

        await using var command = new NpgsqlCommand("SELECT version, name, mode, checksum, applied_at FROM market.schema_history ORDER BY version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var rows = new List<AppliedMigration>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            rows.Add(new AppliedMigration(reader.GetInt32(0), reader.GetString(1), ParseMode(reader.GetString(2)), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return rows;
    }

    internal static StorageMode? RecordedMode(IReadOnlyList<AppliedMigration> history) => history.Count == 0 ? null : history[^1].Mode;

    internal static string ModeName(StorageMode mode) => mode == StorageMode.TimescaleDb ? "timescaledb" : "postgresql";

    private static StorageMode ParseMode(string text) => text switch
    {
        "timescaledb" => StorageMode.TimescaleDb,
        "postgresql" => StorageMode.PostgreSql,
        _ => throw new InvalidOperationException($"market.schema_history names an unknown mode '{text}'."),
    };
}
