using System.Globalization;
using CryptoStreams.Schema;
using Npgsql;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>The dashboard's history from what the loader wrote into the <c>market</c> tables.</summary>
internal sealed class DatabaseHistoryStore(NpgsqlDataSource database, DashboardSettings settings) : IHistoryStore, IAsyncDisposable
{
    public string Name => "database";

    public ValueTask DisposeAsync() => database.DisposeAsync();

    public async Task<DateTimeOffset?> NewestAsync(string symbol, bool deviation, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            deviation ? "SELECT max(bucket) FROM market.oracle_deviation WHERE symbol = $1" : "SELECT max(bucket) FROM market.consensus_1m WHERE symbol = $1");
        command.Parameters.Add(new() { Value = symbol });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime newest ? Utc(newest) : null;
    }

    public async Task<IReadOnlyList<Candle>> SourceCandlesAsync(string asset, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            """
            SELECT bucket, window_end, source, symbol, kind, open, high, low, close, vwap, volume, tick_count, coverage, final
            FROM market.candles_1m WHERE bucket >= $1 AND bucket <= $2 AND symbol LIKE $3 ORDER BY bucket, source, symbol
            """);
        command.Parameters.Add(new() { Value = from.UtcDateTime });
        command.Parameters.Add(new() { Value = to.UtcDateTime });
        command.Parameters.Add(new() { Value = asset + "-%" });
        var candles = new List<Candle>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            candles.Add(new Candle(
                reader.GetString(2),
                reader.GetString(3),
                Enum.Parse<TickKind>(reader.GetString(4), ignoreCase: true),
                Utc(reader.GetDateTime(0)),
                Utc(reader.GetDateTime(1)),
                reader.GetDecimal(5),
                reader.GetDecimal(6),
                reader.GetDecimal(7),
                reader.GetDecimal(8),
                reader.GetDecimal(9),
                reader.GetDecimal(10),
                reader.GetInt64(11),
                Enum.Parse<Coverage>(reader.GetString(12), ignoreCase: true),
                reader.GetBoolean(13)));
        }

        return candles;
    }

    public async Task<IReadOnlyList<Consensus>> ConsensusAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            """
            SELECT bucket, window_end, median, sources_used FROM market.consensus_1m
            WHERE symbol = $1 AND bucket >= $2 AND bucket <= $3 ORDER BY bucket
            """);
        command.Parameters.Add(new() { Value = symbol });
        command.Parameters.Add(new() { Value = from.UtcDateTime });
        command.Parameters.Add(new() { Value = to.UtcDateTime });
        return await ReadConsensusAsync(command, symbol, cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<Consensus>> ClosesBeforeAsync(string symbol, DateTimeOffset before, int count, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            """
            SELECT bucket, window_end, median, sources_used FROM market.consensus_1m
            WHERE symbol = $1 AND bucket < $2 AND median IS NOT NULL ORDER BY bucket DESC LIMIT $3
            """);
        command.Parameters.Add(new() { Value = symbol });
        command.Parameters.Add(new() { Value = before.UtcDateTime });
        command.Parameters.Add(new() { Value = count });
        var closes = await ReadConsensusAsync(command, symbol, cancellationToken).ConfigureAwait(false);
        closes.Reverse();
        return closes;
    }

    public async Task<IReadOnlyList<DeviationPoint>> DeviationsAsync(string symbol, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        const string Columns =
            """
            SELECT bucket, window_end, oracle_price, consensus_price, deviation_percent, staleness_seconds, oracle_round_id, oracle_updated_at,
                   api_mean_price, api_deviation_percent
            FROM market.oracle_deviation WHERE symbol = $1
            """;
        await using var command = database.CreateCommand(Columns + (from is null ? " ORDER BY bucket DESC LIMIT 1" : " AND bucket >= $2 AND bucket <= $3 ORDER BY bucket"));
        command.Parameters.Add(new() { Value = symbol });
        if (from is { } start && to is { } end)
        {
            command.Parameters.Add(new() { Value = start.UtcDateTime });
            command.Parameters.Add(new() { Value = end.UtcDateTime });
        }

        var points = new List<DeviationPoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var staleness = reader.GetDouble(5);
            points.Add(new DeviationPoint(
                Seconds(reader.GetDateTime(0)),
                Utc(reader.GetDateTime(1)),
                reader.GetDecimal(2),
                reader.GetDecimal(3),
                reader.GetDecimal(4),
                staleness,
                staleness > settings.Options.OracleHeartbeat.TotalSeconds,
                reader.GetDecimal(6).ToString(CultureInfo.InvariantCulture),
                Utc(reader.GetDateTime(7)),
                reader.IsDBNull(8) ? null : reader.GetDecimal(8),
                reader.IsDBNull(9) ? null : reader.GetDecimal(9)));
        }

        return points;
    }

    public async Task<IReadOnlyList<SignalPoint>> SignalsAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var command = database.CreateCommand(
            """
            SELECT bucket, window_end, direction, average, short_length, long_length, short_average, long_average, close
            FROM market.crossover_signals WHERE symbol = $1 AND bucket >= $2 AND bucket <= $3 ORDER BY bucket, average
            """);
        command.Parameters.Add(new() { Value = symbol });
        command.Parameters.Add(new() { Value = from.UtcDateTime });
        command.Parameters.Add(new() { Value = to.UtcDateTime });
        var signals = new List<SignalPoint>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            signals.Add(new SignalPoint(
                Seconds(reader.GetDateTime(0)),
                Utc(reader.GetDateTime(1)),
                Enum.Parse<CrossoverDirection>(reader.GetString(2), ignoreCase: true),
                Enum.Parse<MovingAverageKind>(reader.GetString(3), ignoreCase: true),
                reader.GetInt32(4),
                reader.GetInt32(5),
                reader.GetDecimal(6),
                reader.GetDecimal(7),
                reader.GetDecimal(8)));
        }

        return signals;
    }

    private static async Task<List<Consensus>> ReadConsensusAsync(NpgsqlCommand command, string symbol, CancellationToken cancellationToken)
    {
        var rows = new List<Consensus>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            // Only what the candle needs: the median and the sources in it.
            rows.Add(new Consensus(
                symbol, Utc(reader.GetDateTime(0)), Utc(reader.GetDateTime(1)), null, [], reader.IsDBNull(2) ? null : reader.GetDecimal(2),
                reader.GetFieldValue<string[]>(3), [], string.Empty, Final: true));
        }

        return rows;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static long Seconds(DateTime value) => Utc(value).ToUnixTimeSeconds();
}
