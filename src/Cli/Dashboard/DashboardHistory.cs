using CryptoStreams.Schema;
using CryptoStreams.Topology;
using Npgsql;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>One source's close in one window (the thin per-source lines).</summary>
internal sealed record SourceClose(long Time, decimal Close, bool Final);

/// <summary>The candle chart of one asset over a range.</summary>
internal sealed record CandleHistory(
    string Asset, string Symbol, DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ConsensusCandle> Candles,
    IReadOnlyDictionary<string, IReadOnlyList<SourceClose>> Sources, IReadOnlyList<AveragePoint> Averages, int ShortLength, int LongLength);

/// <summary>The oracle against the consensus at one window end.</summary>
internal sealed record DeviationPoint(
    long Time, DateTimeOffset WindowEnd, decimal OraclePrice, decimal ConsensusPrice, decimal DeviationPercent, double StalenessSeconds,
    bool Stale, string RoundId, DateTimeOffset OracleUpdatedAt, decimal? ApiMeanPrice, decimal? ApiDeviationPercent);

internal static class DeviationPoints
{
    public static DeviationPoint From(Deviation d, DashboardOptions options) =>
        new(d.WindowStart.ToUnixTimeSeconds(), d.WindowEnd, d.OraclePrice, d.ConsensusPrice, d.DeviationPercent, d.StalenessSeconds,
            d.StalenessSeconds > options.OracleHeartbeat.TotalSeconds, d.OracleRoundId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            d.OracleUpdatedAt, d.ApiMeanPrice, d.ApiDeviationPercent);
}

internal sealed record DeviationHistory(
    string Asset, string Symbol, DateTimeOffset From, DateTimeOffset To, decimal ThresholdPercent, double HeartbeatSeconds, IReadOnlyList<DeviationPoint> Points);

/// <summary>One crossover, as a marker.</summary>
internal sealed record SignalPoint(long Time, DateTimeOffset WindowEnd, CrossoverDirection Direction, MovingAverageKind Average, int ShortLength, int LongLength, decimal ShortAverage, decimal LongAverage, decimal Close);

/// <summary>The newest values of one symbol, in large type at the top of the page.</summary>
internal sealed record LatestValues(string Asset, string Symbol, ConsensusCandle? Candle, DeviationPoint? Deviation);

/// <summary>
/// The dashboard's history: what the loader wrote into the <c>market</c> tables. A range ends at the newest window of
/// the asset (a simulated market runs ahead of the wall clock), or now when there is none.
/// </summary>
internal sealed class DashboardHistory(NpgsqlDataSource database, DashboardSettings settings, TimeProvider time) : IAsyncDisposable
{
    public ValueTask DisposeAsync() => database.DisposeAsync();

    public async Task<CandleHistory> CandlesAsync(string asset, TimeSpan range, CancellationToken cancellationToken)
    {
        var symbol = StablecoinPolicy.ConsensusSymbol(asset);
        var to = await NewestAsync("market.consensus_1m", symbol, cancellationToken).ConfigureAwait(false);
        var from = to - range;
        var candles = await SourceCandlesAsync(asset, from, to + settings.Window, cancellationToken).ConfigureAwait(false);
        var consensus = await ConsensusAsync(symbol, from - (settings.Window * settings.NewAverageLines().WarmUp), to, cancellationToken).ConfigureAwait(false);

        var byWindow = candles.ToLookup(c => c.WindowStart);
        var result = new List<ConsensusCandle>();
        var averages = new List<AveragePoint>();
        var lines = settings.NewAverageLines();
        foreach (var c in consensus)
        {
            if (c.Median is { } median)
            {
                var point = lines.Add(symbol, median, c.WindowStart, c.WindowEnd);
                if (c.WindowStart >= from)
                {
                    averages.Add(point);
                }
            }

            if (c.WindowStart >= from && ConsensusCandles.From(byWindow[c.WindowStart], settings.Policy, c) is { } candle)
            {
                result.Add(candle);
            }
        }

        // Windows still open (provisional candles, no consensus yet) follow as provisional consensus candles.
        var lastFinal = consensus.Count == 0 ? DateTimeOffset.MinValue : consensus[^1].WindowStart;
        foreach (var open in byWindow.Where(w => w.Key > lastFinal).OrderBy(w => w.Key))
        {
            if (ConsensusCandles.From(open, settings.Policy, null) is { } candle)
            {
                result.Add(candle);
            }
        }

        var sources = ConsensusCandles.PerSource(candles, settings.Policy)
            .Select(c => c.Source)
            .Distinct(StringComparer.Ordinal)
            .ToDictionary(
                s => s,
                s => (IReadOnlyList<SourceClose>)[.. byWindow.OrderBy(w => w.Key).SelectMany(w => ConsensusCandles.PerSource(w, settings.Policy).Where(c => c.Source == s))
                    .Select(c => new SourceClose(c.WindowStart.ToUnixTimeSeconds(), c.Close, c.Final))],
                StringComparer.Ordinal);
        return new CandleHistory(asset, symbol, from, to, result, sources, averages, settings.ShortLength, settings.LongLength);
    }

    public async Task<DeviationHistory> DeviationAsync(string asset, TimeSpan range, CancellationToken cancellationToken)
    {
        var symbol = StablecoinPolicy.ConsensusSymbol(asset);
        var to = await NewestAsync("market.oracle_deviation", symbol, cancellationToken).ConfigureAwait(false);
        var from = to - range;
        var points = await DeviationsAsync(symbol, from, to, cancellationToken).ConfigureAwait(false);
        return new DeviationHistory(asset, symbol, from, to, settings.Options.DeviationThresholdPercent, settings.Options.OracleHeartbeat.TotalSeconds, points);
    }

    public async Task<IReadOnlyList<SignalPoint>> SignalsAsync(string asset, TimeSpan range, CancellationToken cancellationToken)
    {
        var symbol = StablecoinPolicy.ConsensusSymbol(asset);
        var to = await NewestAsync("market.consensus_1m", symbol, cancellationToken).ConfigureAwait(false);
        await using var command = database.CreateCommand(
            """
            SELECT bucket, window_end, direction, average, short_length, long_length, short_average, long_average, close
            FROM market.crossover_signals WHERE symbol = $1 AND bucket >= $2 AND bucket <= $3 ORDER BY bucket, average
            """);
        command.Parameters.Add(new() { Value = symbol });
        command.Parameters.Add(new() { Value = (to - range).UtcDateTime });
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

    /// <summary>The newest consensus candle and deviation of each asset.</summary>
    public async Task<IReadOnlyList<LatestValues>> LatestAsync(IEnumerable<string> assets, CancellationToken cancellationToken)
    {
        var latest = new List<LatestValues>();
        foreach (var asset in assets)
        {
            var history = await CandlesAsync(asset, settings.Window * 2, cancellationToken).ConfigureAwait(false);
            var symbol = StablecoinPolicy.ConsensusSymbol(asset);
            var deviations = await DeviationsAsync(symbol, null, null, cancellationToken).ConfigureAwait(false);
            latest.Add(new LatestValues(asset, symbol, history.Candles.LastOrDefault(c => c.Final), deviations.LastOrDefault()));
        }

        return latest;
    }

    /// <summary>The newest final closes of <paramref name="symbol"/> before <paramref name="before"/>, oldest first (to warm up live averages).</summary>
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

    private async Task<DateTimeOffset> NewestAsync(string table, string symbol, CancellationToken cancellationToken)
    {
        // The table name is one of this class's constants, never input.
        await using var command = database.CreateCommand($"SELECT max(bucket) FROM {table} WHERE symbol = $1");
        command.Parameters.Add(new() { Value = symbol });
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime newest ? Utc(newest) : time.GetUtcNow();
    }

    private async Task<List<Candle>> SourceCandlesAsync(string asset, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
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

    private async Task<List<Consensus>> ConsensusAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
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

    private async Task<List<DeviationPoint>> DeviationsAsync(string symbol, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
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
                reader.GetDecimal(6).ToString(System.Globalization.CultureInfo.InvariantCulture),
                Utc(reader.GetDateTime(7)),
                reader.IsDBNull(8) ? null : reader.GetDecimal(8),
                reader.IsDBNull(9) ? null : reader.GetDecimal(9)));
        }

        return points;
    }

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    private static long Seconds(DateTime value) => Utc(value).ToUnixTimeSeconds();
}
