using CryptoStreams.Loader.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CryptoStreams.Loader.Tests;

/// <summary>Migrations against the real server, which has no timescaledb extension: the plain PostgreSQL path.</summary>
public class MigrationTests
{
    private static MigrationRunner Runner(NpgsqlDataSource dataSource) => new(dataSource, NullLogger<MigrationRunner>.Instance);

    private static async Task<PostgresDatabaseFixture> FreshDatabaseAsync()
    {
        var database = new PostgresDatabaseFixture();
        await database.InitializeAsync();
        return database;
    }

    [Fact]
    public async Task A_fresh_database_gets_every_plain_migration_in_order_with_tables_views_and_brin_indexes()
    {
        var database = await FreshDatabaseAsync();
        try
        {
            var outcome = await Runner(database.DataSource).MigrateAsync(StoragePreference.Auto, CancellationToken.None);

            Assert.Equal(StorageMode.PostgreSql, outcome.Mode);
            Assert.Equal(MigrationCatalog.For(StorageMode.PostgreSql).Select(m => m.Version), outcome.Applied.Select(m => m.Version));
            foreach (var relation in new[]
                     {
                         "market.trades", "market.candles_1m", "market.consensus_1m", "market.oracle_deviation", "market.crossover_signals",
                         "market.loader_offsets", "market.candles_1h", "market.candles_1d", "public.contract_price", "public.api_price",
                         "market.candles_1m_bucket_brin",
                     })
            {
                await using var exists = database.DataSource.CreateCommand($"SELECT to_regclass('{relation}') IS NOT NULL");
                Assert.True(await exists.ExecuteScalarAsync() is true, relation + " exists");
            }

            var status = await SchemaInspector.ReadStatusAsync(database.DataSource, CancellationToken.None);
            Assert.Equal(StorageMode.PostgreSql, status.Mode);
            Assert.False(status.TimescaleAvailable);
            Assert.Empty(status.Pending);
            Assert.Equal(outcome.Applied.Count, status.Applied.Count);
            Assert.Equal(SchemaInspector.MarketTables, status.RowCounts.Select(c => c.Key));
            Assert.All(status.RowCounts, c => Assert.Equal(0, c.Value));
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Running_migrations_again_applies_nothing_and_keeps_the_data()
    {
        var database = await FreshDatabaseAsync();
        try
        {
            await Runner(database.DataSource).MigrateAsync(StoragePreference.Auto, CancellationToken.None);
            await using (var insert = database.DataSource.CreateCommand("INSERT INTO market.loader_offsets (consumer_group, topic, partition, next_offset) VALUES ('g', 't', 0, 42)"))
            {
                await insert.ExecuteNonQueryAsync();
            }

            var again = await Runner(database.DataSource).MigrateAsync(StoragePreference.Auto, CancellationToken.None);

            Assert.Empty(again.Applied);
            await using var read = database.DataSource.CreateCommand("SELECT next_offset FROM market.loader_offsets");
            Assert.Equal(42L, await read.ExecuteScalarAsync());
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Concurrent_runs_apply_each_migration_exactly_once_under_the_advisory_lock()
    {
        var database = await FreshDatabaseAsync();
        try
        {
            var runs = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => Runner(database.DataSource).MigrateAsync(StoragePreference.Auto, CancellationToken.None))));

            var applied = runs.SelectMany(r => r.Applied).Select(m => m.Version).Order().ToList();
            Assert.Equal(MigrationCatalog.For(StorageMode.PostgreSql).Select(m => m.Version), applied);
            await using var history = database.DataSource.CreateCommand("SELECT count(*) FROM market.schema_history");
            Assert.Equal((long)applied.Count, await history.ExecuteScalarAsync());
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task An_applied_migration_that_was_edited_afterwards_stops_the_run()
    {
        var database = await FreshDatabaseAsync();
        try
        {
            await Runner(database.DataSource).MigrateAsync(StoragePreference.Auto, CancellationToken.None);
            await using (var tamper = database.DataSource.CreateCommand("UPDATE market.schema_history SET checksum = repeat('0', 64) WHERE version = 1"))
            {
                await tamper.ExecuteNonQueryAsync();
            }

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Runner(database.DataSource).MigrateAsync(StoragePreference.Auto, CancellationToken.None));
            Assert.Contains("was changed after it was applied", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    [Fact]
    public async Task Insisting_on_TimescaleDB_on_a_server_without_it_fails_before_touching_the_schema()
    {
        var database = await FreshDatabaseAsync();
        try
        {
            await Assert.ThrowsAsync<InvalidOperationException>(() => Runner(database.DataSource).MigrateAsync(StoragePreference.TimescaleDb, CancellationToken.None));

            var status = await SchemaInspector.ReadStatusAsync(database.DataSource, CancellationToken.None);
            Assert.Null(status.Mode);
            Assert.Empty(status.Applied);
            Assert.Equal(MigrationCatalog.For(StorageMode.PostgreSql).Count, status.Pending.Count);
        }
        finally
        {
            await database.DisposeAsync();
        }
    }
}
