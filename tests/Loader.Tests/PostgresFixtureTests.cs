using CryptoStreams.TestSupport;
using Npgsql;

namespace CryptoStreams.Loader.Tests;

public class PostgresFixtureTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    [Fact]
    public async Task A_fresh_database_round_trips_an_exact_decimal_row()
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand("CREATE TABLE probe (id int PRIMARY KEY, price numeric NOT NULL, at timestamptz NOT NULL)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var at = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
        await using (var insert = new NpgsqlCommand("INSERT INTO probe VALUES (1, $1, $2)", connection))
        {
            insert.Parameters.AddWithValue(123456789.123456789m);
            insert.Parameters.AddWithValue(at);
            await insert.ExecuteNonQueryAsync();
        }

        await using var select = new NpgsqlCommand("SELECT price, at, current_database() FROM probe WHERE id = 1", connection);
        await using var reader = await select.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(123456789.123456789m, reader.GetDecimal(0));
        Assert.Equal(at, reader.GetFieldValue<DateTimeOffset>(1));
        Assert.Equal(database.DatabaseName, reader.GetString(2));
    }
}
