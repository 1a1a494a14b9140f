using CryptoStreams.Loader.Schema;
using CryptoStreams.TestSupport;
using Npgsql;

namespace CryptoStreams.Loader.Tests;

/// <summary>
/// The TimescaleDB migrations cannot run here (no extension in Debian's PostgreSQL). This runs them, in order, against
/// STUBS of the TimescaleDB functions they call — plain SQL functions in a scratch schema that only record their calls,
/// with the argument names and types of TimescaleDB's API — so PostgreSQL parses every statement, resolves every table,
/// column and named argument, and type-checks the continuous aggregates' queries. It is not TimescaleDB: three kinds of
/// statement cannot be stubbed and are left out (and counted): CREATE EXTENSION timescaledb, the
/// <c>ALTER TABLE … SET (timescaledb.compress …)</c> options and the <c>WITH (timescaledb.continuous)</c> clause (the
/// aggregates are created as plain materialized views instead). docker-compose runs the real thing.
/// </summary>
public class TimescaleMigrationStubTests
{
    private const string Stubs = """
        CREATE SCHEMA timescaledb_stub;
        CREATE TABLE timescaledb_stub.calls (at serial, function text, relation regclass, arguments text);
        CREATE FUNCTION timescaledb_stub.create_hypertable(
            relation regclass, time_column_name name, chunk_time_interval interval DEFAULT NULL, if_not_exists boolean DEFAULT false,
            migrate_data boolean DEFAULT false) RETURNS void LANGUAGE sql
            AS $$ INSERT INTO timescaledb_stub.calls (function, relation, arguments)
                  SELECT 'create_hypertable', relation, concat_ws(' ', time_column_name, chunk_time_interval, if_not_exists, migrate_data)
                  FROM pg_attribute WHERE attrelid = relation AND attname = time_column_name $$;
        CREATE FUNCTION timescaledb_stub.add_compression_policy(hypertable regclass, compress_after interval, if_not_exists boolean DEFAULT false)
            RETURNS integer LANGUAGE sql
            AS $$ INSERT INTO timescaledb_stub.calls (function, relation, arguments) VALUES ('add_compression_policy', hypertable, concat_ws(' ', compress_after, if_not_exists)) RETURNING at $$;
        CREATE FUNCTION timescaledb_stub.add_retention_policy(relation regclass, drop_after interval, if_not_exists boolean DEFAULT false)
            RETURNS integer LANGUAGE sql
            AS $$ INSERT INTO timescaledb_stub.calls (function, relation, arguments) VALUES ('add_retention_policy', relation, concat_ws(' ', drop_after, if_not_exists)) RETURNING at $$;
        CREATE FUNCTION timescaledb_stub.add_continuous_aggregate_policy(
            continuous_aggregate regclass, start_offset interval, end_offset interval, schedule_interval interval, if_not_exists boolean DEFAULT false)
            RETURNS integer LANGUAGE sql
            AS $$ INSERT INTO timescaledb_stub.calls (function, relation, arguments)
                  VALUES ('add_continuous_aggregate_policy', continuous_aggregate, concat_ws(' ', start_offset, end_offset, schedule_interval, if_not_exists)) RETURNING at $$;
        CREATE FUNCTION timescaledb_stub.time_bucket(bucket_width interval, ts timestamptz) RETURNS timestamptz LANGUAGE sql IMMUTABLE
            AS $$ SELECT date_bin(bucket_width, ts, timestamptz '2000-01-03 00:00:00+00') $$;
        CREATE FUNCTION timescaledb_stub.keep_first(state anycompatible, value anycompatible, at timestamptz) RETURNS anycompatible LANGUAGE sql IMMUTABLE
            AS $$ SELECT coalesce(state, value) $$;
        CREATE FUNCTION timescaledb_stub.keep_last(state anycompatible, value anycompatible, at timestamptz) RETURNS anycompatible LANGUAGE sql IMMUTABLE
            AS $$ SELECT value $$;
        CREATE AGGREGATE timescaledb_stub.first(anycompatible, timestamptz) (SFUNC = timescaledb_stub.keep_first, STYPE = anycompatible);
        CREATE AGGREGATE timescaledb_stub.last(anycompatible, timestamptz) (SFUNC = timescaledb_stub.keep_last, STYPE = anycompatible);
        SET LOCAL search_path = timescaledb_stub, public;
        """;

    [Fact]
    public async Task The_TimescaleDB_migrations_parse_and_resolve_against_stubs_of_the_TimescaleDB_functions()
    {
        var database = new PostgresDatabaseFixture();
        await database.InitializeAsync();
        try
        {
            await using var connection = await database.DataSource.OpenConnectionAsync();
            await using var transaction = await connection.BeginTransactionAsync();
            await ExecuteAsync(connection, Stubs);
            var notStubbable = new List<string>();
            foreach (var migration in MigrationCatalog.For(StorageMode.TimescaleDb))
            {
                // The shared migrations run whole (0004's DO block has semicolons inside); the TimescaleDB ones statement by statement.
                foreach (var statement in migration.Mode is null ? [migration.Sql] : migration.Statements)
                {
                    if (statement.Contains("CREATE EXTENSION IF NOT EXISTS timescaledb", StringComparison.Ordinal)
                        || statement.Contains("SET (timescaledb.compress", StringComparison.Ordinal))
                    {
                        notStubbable.Add(statement);
                        continue;
                    }

                    var plain = statement.Replace("WITH (timescaledb.continuous)", string.Empty, StringComparison.Ordinal);
                    if (plain != statement)
                    {
                        notStubbable.Add("WITH (timescaledb.continuous)");
                    }

                    await ExecuteAsync(connection, plain);
                }
            }

            Assert.Equal(1 + 4 + 2, notStubbable.Count);
            var calls = new List<string>();
            await using (var read = new NpgsqlCommand("SELECT function || ' ' || relation::text FROM timescaledb_stub.calls ORDER BY at", connection))
            await using (var reader = await read.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                {
                    calls.Add(reader.GetString(0));
                }
            }

            // create_hypertable records a call only when the time column exists in the table.
            Assert.Equal(
            [
                "create_hypertable market.trades", "create_hypertable market.candles_1m", "create_hypertable market.consensus_1m",
                "create_hypertable market.oracle_deviation", "create_hypertable market.crossover_signals",
                "add_compression_policy market.trades", "add_compression_policy market.candles_1m", "add_compression_policy market.consensus_1m",
                "add_compression_policy market.oracle_deviation",
                "add_retention_policy market.trades", "add_retention_policy market.candles_1m",
                "add_continuous_aggregate_policy market.candles_1h", "add_continuous_aggregate_policy market.candles_1d",
                "create_hypertable market.venue_candles_1m", "add_retention_policy market.venue_candles_1m",
            ],
            calls);
            await transaction.RollbackAsync();
        }
        finally
        {
            await database.DisposeAsync();
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
