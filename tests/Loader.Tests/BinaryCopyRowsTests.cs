using System.Globalization;
using CryptoStreams.Loader.Tests.Support;
using CryptoStreams.Loader.Writing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Npgsql;

namespace CryptoStreams.Loader.Tests;

/// <summary>The loader's own binary COPY encoding, read back by PostgreSQL as text: every digit and the scale survive.</summary>
public class BinaryCopyRowsTests(LoaderDatabase database) : IClassFixture<LoaderDatabase>
{
    [Property(MaxTest = 20)]
    public async Task<bool> Decimals_arrive_as_numerics_with_every_digit_and_their_scale(PositiveInt seed)
    {
        var values = LoaderGenerators.SampleOne(Gen.ListOf(LoaderGenerators.AnyDecimal, 200), seed.Get)[0]
            .Concat([0m, -0.00m, 1.10m, -1.10m, decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, 10000m, 99990000.0001m]).ToList();

        var stored = await RoundTripAsync("numeric", values, (copy, v) => copy.Numeric(v));

        Assert.Equal(values.Select(v => v == 0m ? ZeroText(v) : v.ToString(CultureInfo.InvariantCulture)), stored);
        return true;
    }

    [Fact]
    public async Task The_largest_round_ids_arrive_exactly()
    {
        UInt128[] values = [UInt128.Zero, UInt128.One, 9_999, 10_000, ulong.MaxValue, UInt128.MaxValue, UInt128.MaxValue - 1];

        var stored = await RoundTripAsync("numeric(39, 0)", values, (copy, v) => copy.Numeric(v, scale: 0, negative: false));

        Assert.Equal(values.Select(v => v.ToString(CultureInfo.InvariantCulture)), stored);
    }

    [Fact]
    public async Task Times_text_arrays_and_json_arrive_as_written()
    {
        var time = new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.Zero).AddTicks(1_234_560);
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand(
            "CREATE TEMP TABLE copy_check (t timestamptz, s text, a text[], e text[], j jsonb, b boolean, i integer, l bigint, d double precision, n numeric)", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var copy = new BinaryCopyRows();
        copy.WriteHeader();
        copy.StartRow(10);
        copy.Timestamp(time);
        copy.Text("Zürich ✓ 𝄞");
        copy.TextArray(["binance", "", "ökx"]);
        copy.TextArray([]);
        copy.Jsonb("""{"source":"okx","reason":"stale"}""");
        copy.Boolean(true);
        copy.Integer(-7);
        copy.Bigint(long.MinValue);
        copy.Double(0.1);
        copy.Numeric((decimal?)null);
        copy.WriteTrailer();
        await using (var stream = await connection.BeginRawBinaryCopyAsync("COPY copy_check FROM STDIN (FORMAT BINARY)"))
        {
            await stream.WriteAsync(copy.Written);
        }

        await using var read = new NpgsqlCommand("SELECT t, s, a, e, j::text, b, i, l, d, n IS NULL FROM copy_check", connection);
        await using var reader = await read.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(time, reader.GetFieldValue<DateTimeOffset>(0));
        Assert.Equal("Zürich ✓ 𝄞", reader.GetString(1));
        Assert.Equal(["binance", "", "ökx"], reader.GetFieldValue<string[]>(2));
        Assert.Empty(reader.GetFieldValue<string[]>(3));
        Assert.Equal("""{"reason": "stale", "source": "okx"}""", reader.GetString(4));
        Assert.True(reader.GetBoolean(5));
        Assert.Equal(-7, reader.GetInt32(6));
        Assert.Equal(long.MinValue, reader.GetInt64(7));
        Assert.Equal(0.1, reader.GetDouble(8));
        Assert.True(reader.GetBoolean(9));
    }

    // PostgreSQL keeps a zero's scale but never its sign.
    private static string ZeroText(decimal zero) => (zero < 0 ? -zero : zero).ToString(CultureInfo.InvariantCulture).TrimStart('-');

    private async Task<List<string>> RoundTripAsync<T>(string type, IReadOnlyList<T> values, Action<BinaryCopyRows, T> write)
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var create = new NpgsqlCommand($"CREATE TEMP TABLE IF NOT EXISTS copy_values (at integer, v {type}); TRUNCATE copy_values", connection))
        {
            await create.ExecuteNonQueryAsync();
        }

        var copy = new BinaryCopyRows();
        copy.WriteHeader();
        for (var i = 0; i < values.Count; i++)
        {
            copy.StartRow(2);
            copy.Integer(i);
            write(copy, values[i]);
        }

        copy.WriteTrailer();
        await using (var stream = await connection.BeginRawBinaryCopyAsync("COPY copy_values (at, v) FROM STDIN (FORMAT BINARY)"))
        {
            await stream.WriteAsync(copy.Written);
        }

        var stored = new List<string>();
        await using (var read = new NpgsqlCommand("SELECT v::text FROM copy_values ORDER BY at", connection))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                stored.Add(reader.GetString(0));
            }
        }

        await using var drop = new NpgsqlCommand("DROP TABLE copy_values", connection);
        await drop.ExecuteNonQueryAsync();
        return stored;
    }
}
