using System.Globalization;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using CryptoStreams.TestSupport.Reference;
using Npgsql;

namespace CryptoStreams.EndToEnd.Tests;

/// <summary>
/// Simulated market (fixed seed) → extractors → embedded broker → topology → loader → PostgreSQL, compared table by
/// table with the naive reference computed from the very ticks the extractors wrote.
/// </summary>
public sealed class PipelineEndToEndTests(PostgresDatabaseFixture database) : IClassFixture<PostgresDatabaseFixture>
{
    // 40 simulated minutes at 120x: ~20 s of wall time, enough windows for SMA 3/8 crossovers.
    private static readonly TimeSpan SimulatedDuration = TimeSpan.FromMinutes(40);
    private const double Speed = 120;

    [Fact]
    public async Task Database_tables_equal_the_reference_computed_from_the_same_simulated_ticks()
    {
        await using var run = await PipelineRun.StartBrokerAsync(database.ConnectionString);
        await run.StartLoaderAsync();
        await run.StartTopologyAsync();
        await run.StartExtractorsAsync(Speed);

        await WaitForSimulatedTimeAsync(run, SimulatedDuration);
        await run.StopExtractorsAsync();

        await AssertTablesMatchReferenceAsync(run);
    }

    [Fact]
    public async Task Stopping_and_restarting_the_topology_and_the_loader_mid_run_gives_the_same_tables()
    {
        await using var run = await PipelineRun.StartBrokerAsync(database.ConnectionString);
        await run.StartLoaderAsync();
        await run.StartTopologyAsync();
        await run.StartExtractorsAsync(Speed);

        await WaitForSimulatedTimeAsync(run, SimulatedDuration / 3);
        await run.StopTopologyAsync();
        await WaitForSimulatedTimeAsync(run, SimulatedDuration / 2);
        await run.StartTopologyAsync();
        await run.StopLoaderAsync();
        await WaitForSimulatedTimeAsync(run, SimulatedDuration * 2 / 3);
        await run.StartLoaderAsync();
        await WaitForSimulatedTimeAsync(run, SimulatedDuration);
        await run.StopExtractorsAsync();

        await AssertTablesMatchReferenceAsync(run);
    }

    // A crash, not a stop: the topology runs as its own process with exactly-once and is SIGKILLed mid-run, leaving a
    // transaction open and its stores unflushed. The restarted process fences the old producer, restores its stores
    // from the committed changelogs and reprocesses from the committed offsets, so nothing is lost or counted twice.
    [Fact]
    public async Task Killing_the_exactly_once_topology_process_mid_run_and_restarting_it_gives_the_same_tables()
    {
        await using var run = await PipelineRun.StartBrokerAsync(database.ConnectionString);
        await run.StartLoaderAsync();
        await using (var first = await TopologyProcess.StartAsync(run, exactlyOnce: true))
        {
            await run.StartExtractorsAsync(Speed);
            await WaitForSimulatedTimeAsync(run, SimulatedDuration / 3);
            await first.KillAsync();
        }

        await WaitForSimulatedTimeAsync(run, SimulatedDuration / 2);
        await using var second = await TopologyProcess.StartAsync(run, exactlyOnce: true);
        await WaitForSimulatedTimeAsync(run, SimulatedDuration);
        await run.StopExtractorsAsync();

        await AssertTablesMatchReferenceAsync(run);
    }

    private static Task WaitForSimulatedTimeAsync(PipelineRun run, TimeSpan elapsed) =>
        Eventually.HoldsAsync(() => run.SimulatedNow() >= PipelineRun.SimulatedStart + elapsed, $"the simulated market reaches +{elapsed}", TimeSpan.FromSeconds(90));

    private static async Task AssertTablesMatchReferenceAsync(PipelineRun run)
    {
        var inputs = run.ReadRawTopics();
        var reference = NaiveMarketReference.Run(inputs, PipelineRun.ReferenceParameters);
        var expectedCandles = reference.Prices.Select(p => p.Value).Where(c => c.Final).Select(CandleRow).ToHashSet();
        var expectedConsensus = reference.Consensus.Select(p => p.Value).Where(c => c.Final).Select(ConsensusRow).ToHashSet();
        var expectedDeviations = reference.Deviations.Select(p => DeviationRow(p.Value)).ToHashSet();
        var expectedSignals = reference.Signals.Select(p => SignalRow(p.Value)).ToHashSet();

        Assert.NotEmpty(expectedCandles);
        Assert.NotEmpty(expectedDeviations);
        Assert.NotEmpty(expectedSignals);

        await using var db = run.Database();
        HashSet<string> candles = [], consensus = [], deviations = [], signals = [];
        var caughtUp = Eventually.HoldsAsync(async () =>
        {
            candles = await RowsAsync(db, "SELECT bucket, symbol, source, open, high, low, close, vwap, volume, tick_count, coverage FROM market.candles_1m WHERE final");
            consensus = await RowsAsync(db, "SELECT bucket, symbol, api_mean, median, array_to_string(sources_used, ',') FROM market.consensus_1m WHERE final");
            deviations = await RowsAsync(db, "SELECT bucket, symbol, oracle_source, oracle_round_id, oracle_price, consensus_price, deviation_percent FROM market.oracle_deviation");
            signals = await RowsAsync(db, "SELECT bucket, symbol, direction, short_average, long_average, close FROM market.crossover_signals");
            return candles.Count >= expectedCandles.Count && consensus.Count >= expectedConsensus.Count
                && deviations.Count >= expectedDeviations.Count && signals.Count >= expectedSignals.Count;
        }, "the loader has written as many rows as the reference predicts", TimeSpan.FromSeconds(60));
        try
        {
            await caughtUp;
        }
        catch (TimeoutException)
        {
            // Fall through: the row comparison below says what is missing, which is what one needs to see.
        }

        AssertSameRows(expectedCandles, candles, "candles_1m");
        AssertSameRows(expectedConsensus, consensus, "consensus_1m");
        AssertSameRows(expectedDeviations, deviations, "oracle_deviation");
        AssertSameRows(expectedSignals, signals, "crossover_signals");
    }

    private static void AssertSameRows(HashSet<string> expected, HashSet<string> actual, string table)
    {
        var missing = expected.Except(actual).Take(5).ToList();
        var extra = actual.Except(expected).Take(5).ToList();
        Assert.True(missing.Count == 0 && extra.Count == 0,
            $"{table}: {expected.Count} expected, {actual.Count} in the database.\nmissing: {string.Join("\n  ", missing)}\nunexpected: {string.Join("\n  ", extra)}");
    }

    private static async Task<HashSet<string>> RowsAsync(NpgsqlDataSource db, string sql)
    {
        var rows = new HashSet<string>(StringComparer.Ordinal);
        await using var command = db.CreateCommand(sql);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var values = new object?[reader.FieldCount];
            for (var i = 0; i < reader.FieldCount; i++)
            {
                values[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(Row(values));
        }

        return rows;
    }

    /// <summary>One comparable text per row: times in UTC, decimals without trailing zeros (numeric keeps the scale it was given).</summary>
    private static string Row(params object?[] values) => string.Join(" | ", values.Select(v => v switch
    {
        null => "null",
        DateTime t => t.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        decimal d => (d / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture),
        UInt128 u => u.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        Enum e => e.ToString().ToLowerInvariant(),
        _ => Convert.ToString(v, CultureInfo.InvariantCulture),
    }));

    private static string CandleRow(Candle c) =>
        Row(c.WindowStart, c.Symbol, c.Source, c.Open, c.High, c.Low, c.Close, c.Vwap, c.Volume, c.Count, c.Coverage);

    private static string ConsensusRow(Consensus c) => Row(c.WindowStart, c.Symbol, c.ApiMean, c.Median, string.Join(',', c.SourcesUsed));

    private static string DeviationRow(Deviation d) =>
        Row(d.WindowStart, d.Symbol, d.OracleSource, (decimal)d.OracleRoundId, d.OraclePrice, d.ConsensusPrice, d.DeviationPercent);

    private static string SignalRow(CrossoverSignal s) => Row(s.WindowStart, s.Symbol, s.Direction, s.ShortAverage, s.LongAverage, s.Close);
}
