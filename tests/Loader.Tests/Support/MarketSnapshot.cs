using System.Numerics;
using System.Text.Json;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using Npgsql;

namespace CryptoStreams.Loader.Tests.Support;

/// <summary>
/// Every market table read back into records, keyed by natural key, plus the stored offsets; two snapshots compare
/// field by field (decimals exactly).
/// </summary>
public sealed record MarketSnapshot(
    IReadOnlyDictionary<string, Candle> Candles,
    IReadOnlyDictionary<string, Consensus> Consensus,
    IReadOnlyDictionary<string, Deviation> Deviations,
    IReadOnlyDictionary<string, CrossoverSignal> Crossovers,
    IReadOnlyDictionary<string, Tick> Trades,
    IReadOnlyDictionary<string, Candle> VenueCandles,
    IReadOnlyDictionary<TopicPartitionKey, long> Offsets)
{
    public int RowCount => Candles.Count + Consensus.Count + Deviations.Count + Crossovers.Count + Trades.Count + VenueCandles.Count;

    public static string Key(params object[] parts) => string.Join('|', parts.Select(p => p is DateTimeOffset t ? t.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture) : p.ToString()));

    public static async Task<MarketSnapshot> ReadAsync(NpgsqlDataSource dataSource, string consumerGroup)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        var candles = await ReadCandlesAsync(connection, "market.candles_1m");
        var venueCandles = await ReadCandlesAsync(connection, "market.venue_candles_1m");

        var consensus = new Dictionary<string, Consensus>();
        await ForEachAsync(connection, "SELECT bucket, symbol, window_end, api_mean, api_sources, median, sources_used, sources_excluded::text, stablecoin_policy, final FROM market.consensus_1m", r =>
        {
            var c = new Consensus(r.GetString(1), Time(r, 0), Time(r, 2), NullableDecimal(r, 3), r.GetFieldValue<string[]>(4), NullableDecimal(r, 5),
                r.GetFieldValue<string[]>(6), JsonSerializer.Deserialize(r.GetString(7), LoaderJsonContext.Default.ExcludedSourceArray)!, r.GetString(8), r.GetBoolean(9));
            consensus.Add(Key(c.WindowStart, c.Symbol), c);
        });

        var deviations = new Dictionary<string, Deviation>();
        await ForEachAsync(connection, "SELECT bucket, symbol, oracle_source, window_end, oracle_round_id, oracle_price, oracle_updated_at, staleness_seconds, consensus_price, deviation_percent, api_mean_price, api_deviation_percent FROM market.oracle_deviation", r =>
        {
            var d = new Deviation(r.GetString(1), Time(r, 0), Time(r, 3), r.GetString(2), (UInt128)r.GetFieldValue<BigInteger>(4), r.GetDecimal(5), Time(r, 6),
                r.GetDouble(7), r.GetDecimal(8), r.GetDecimal(9), NullableDecimal(r, 10), NullableDecimal(r, 11));
            deviations.Add(Key(d.WindowStart, d.Symbol, d.OracleSource), d);
        });

        var crossovers = new Dictionary<string, CrossoverSignal>();
        await ForEachAsync(connection, "SELECT bucket, symbol, average, short_length, long_length, window_end, direction, short_average, long_average, close FROM market.crossover_signals", r =>
        {
            var s = new CrossoverSignal(r.GetString(1), r.GetString(6) == "golden" ? CrossoverDirection.Golden : CrossoverDirection.Death,
                r.GetString(2) == "sma" ? MovingAverageKind.Sma : MovingAverageKind.Ema, r.GetInt32(3), r.GetInt32(4), r.GetDecimal(7), r.GetDecimal(8), r.GetDecimal(9), Time(r, 0), Time(r, 5));
            crossovers.Add(Key(s.WindowStart, s.Symbol, s.Average, s.ShortLength, s.LongLength), s);
        });

        var trades = new Dictionary<string, Tick>();
        await ForEachAsync(connection, "SELECT event_time, source, symbol, trade_id, kind, price, size, side, receive_time FROM market.trades", r =>
        {
            var side = r.GetString(7) switch { "buy" => TradeSide.Buy, "sell" => TradeSide.Sell, _ => TradeSide.Unknown };
            var t = new Tick(r.GetString(1), r.GetString(4) == "trade" ? TickKind.Trade : TickKind.Quote, r.GetString(2), r.GetDecimal(5), r.GetDecimal(6), side, r.GetString(3), Time(r, 0), Time(r, 8));
            trades.Add(Key(t.EventTime, t.Source, t.Symbol, t.TradeId!), t);
        });

        var offsets = new Dictionary<TopicPartitionKey, long>();
        await using (var command = new NpgsqlCommand("SELECT topic, partition, next_offset FROM market.loader_offsets WHERE consumer_group = $1", connection))
        {
            command.Parameters.AddWithValue(consumerGroup);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                offsets.Add(new TopicPartitionKey(reader.GetString(0), reader.GetInt32(1)), reader.GetInt64(2));
            }
        }

        return new MarketSnapshot(candles, consensus, deviations, crossovers, trades, venueCandles, offsets);
    }

    private static async Task<Dictionary<string, Candle>> ReadCandlesAsync(NpgsqlConnection connection, string table)
    {
        var candles = new Dictionary<string, Candle>();
        await ForEachAsync(connection, $"SELECT bucket, symbol, source, window_end, kind, open, high, low, close, vwap, volume, tick_count, coverage, final FROM {table}", r =>
        {
            var c = new Candle(r.GetString(2), r.GetString(1), r.GetString(4) == "trade" ? TickKind.Trade : TickKind.Quote, Time(r, 0), Time(r, 3),
                r.GetDecimal(5), r.GetDecimal(6), r.GetDecimal(7), r.GetDecimal(8), r.GetDecimal(9), r.GetDecimal(10), r.GetInt64(11),
                r.GetString(12) == "complete" ? Coverage.Complete : Coverage.Partial, r.GetBoolean(13));
            candles.Add(Key(c.WindowStart, c.Symbol, c.Source), c);
        });
        return candles;
    }

    /// <summary>Empties every market table (tests of one class share a database).</summary>
    public static async Task TruncateAsync(NpgsqlDataSource dataSource)
    {
        await using var command = dataSource.CreateCommand(
            "TRUNCATE market.trades, market.candles_1m, market.venue_candles_1m, market.consensus_1m, market.oracle_deviation, market.crossover_signals, market.loader_offsets");
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Every difference between two snapshots, one line each; empty when they are equal.</summary>
    public IReadOnlyList<string> DifferencesFrom(MarketSnapshot expected)
    {
        var differences = new List<string>();
        Compare("candles_1m", expected.Candles, Candles, differences);
        Compare("consensus_1m", expected.Consensus, Consensus, differences);
        Compare("oracle_deviation", expected.Deviations, Deviations, differences);
        Compare("crossover_signals", expected.Crossovers, Crossovers, differences);
        Compare("trades", expected.Trades, Trades, differences);
        Compare("venue_candles_1m", expected.VenueCandles, VenueCandles, differences);
        Compare("loader_offsets", expected.Offsets.ToDictionary(o => o.Key.ToString(), o => o.Value), Offsets.ToDictionary(o => o.Key.ToString(), o => o.Value), differences);
        return differences;
    }

    private static void Compare<T>(string table, IReadOnlyDictionary<string, T> expected, IReadOnlyDictionary<string, T> actual, List<string> differences)
    {
        foreach (var (key, row) in expected)
        {
            if (!actual.TryGetValue(key, out var stored))
            {
                differences.Add($"{table}: lost {key}: {row}");
            }
            else if (!Equals(stored, row))
            {
                differences.Add($"{table}: {key} differs: expected {row}, stored {stored}");
            }
        }

        differences.AddRange(actual.Keys.Except(expected.Keys).Select(k => $"{table}: unexpected {k}: {actual[k]}"));
    }

    private static DateTimeOffset Time(NpgsqlDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    private static decimal? NullableDecimal(NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetDecimal(ordinal);

    private static async Task ForEachAsync(NpgsqlConnection connection, string sql, Action<NpgsqlDataReader> read)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            read(reader);
        }
    }
}
