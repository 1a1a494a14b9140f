using System.Diagnostics;
using System.Globalization;
using System.Text;
using CryptoStreams.Loader.Schema;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace CryptoStreams.Bench;

/// <summary>
/// Loads N fresh candles (default 1M) through the loader's batch writer (binary COPY into staging, upsert, offsets,
/// commit) into a fresh database, then the same rows as CSV with <c>psql \copy</c> into the same empty table, and
/// prints both rates and their ratio.
/// <c>dotnet run -c Release --project bench/Bench -- loader [--rows N] [--batch-size N] [--serial] [--database CS]</c>
/// </summary>
public sealed class LoaderHarness : IHarness
{
    private static readonly string[] Symbols = ["BTC-USDT", "ETH-USDT", "LINK-USDT"];
    private static readonly string[] Venues = [Sources.Binance, Sources.KuCoin, Sources.Okx, Sources.Coinbase, Sources.CoinGecko, Sources.Coinpaprika];

    public string Name => "loader";

    public string Description => "rows/s of the loader's COPY+upsert batches into PostgreSQL vs psql \\copy of the same rows";

    public async Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var rows = IntArg(args, "--rows", 1_000_000);
        var batchSize = IntArg(args, "--batch-size", 5_000);
        // --serial: map, then write, batch after batch (no overlap), which splits the client CPU between the two.
        var serial = args.Contains("--serial");
        // The loader is a long-running service: its steady state is measured, not the first seconds of JIT tiering.
        var warmup = IntArg(args, "--warmup", 200_000);
        var server = StringArg(args, "--database") ?? Environment.GetEnvironmentVariable("CRYPTOSTREAMS_DATABASE") ?? "Host=127.0.0.1;Port=55432;Username=postgres;Database=postgres";
        var databaseName = "bench_loader_" + Guid.NewGuid().ToString("N")[..8];
        await ExecuteAsync(server, $"CREATE DATABASE {databaseName}", cancellationToken);
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = databaseName }.ConnectionString;
        try
        {
            await using var dataSource = NpgsqlDataSource.Create(connectionString);
            var mode = (await new MigrationRunner(dataSource, NullLogger<MigrationRunner>.Instance).MigrateAsync(StoragePreference.Auto, cancellationToken)).Mode;
            Console.WriteLine($"loader bench: {rows:N0} candles, batches of {batchSize:N0}, {(serial ? "serial" : "mapping overlapped with writing")}, JIT warm-up {warmup:N0} records mapped, {StorageModeSelector.Describe(mode)}, database {databaseName}");

            var candles = Generate(rows);
            var records = candles.Select((c, i) => new ConsumedRecord(Topics.Prices1m, 0, i, Encoding.UTF8.GetBytes(c.Asset), RecordJson.Serialize(c), c.WindowEnd)).ToList();

            // Warm-up: map records of the same shape (not timed, not written) so the JIT's tiers settle first.
            for (var start = 0; start < Math.Min(warmup, records.Count); start += batchSize)
            {
                var scratch = new LoadBatch(_ => null, TimeProvider.System);
                foreach (var record in records.Skip(start).Take(batchSize))
                {
                    scratch.Add(record);
                }

                scratch.ReturnRowMemory();
            }

            // The loader: map each JSON record into its batch, then COPY + upsert + offsets in one transaction.
            var writer = new BatchWriter(dataSource, "bench");
            var latencies = new List<double>();
            long? stored = null;
            var mapping = TimeSpan.Zero;
            var self = Process.GetCurrentProcess();
            var (mappingCpu, writingCpu) = (TimeSpan.Zero, TimeSpan.Zero);
            var serverBefore = await ServerCpuAsync(dataSource, cancellationToken);
            var clientBefore = CpuOf(self);
            (Task<BatchOutcome> Write, LoadBatch Batch)? writing = null;
            var total = Stopwatch.StartNew();
            for (var start = 0; start < records.Count; start += batchSize)
            {
                var mapClock = Stopwatch.StartNew();
                var cpu = CpuOf(self);
                var expected = stored;
                var batch = new LoadBatch(_ => expected, TimeProvider.System);
                foreach (var record in records.Skip(start).Take(batchSize))
                {
                    batch.Add(record);
                }

                mapping += mapClock.Elapsed;
                var mapped = CpuOf(self);
                mappingCpu += mapped - cpu;
                if (serial)
                {
                    latencies.Add((await writer.WriteAsync(batch, cancellationToken)).Elapsed.TotalMilliseconds);
                    batch.ReturnRowMemory();
                    writingCpu += CpuOf(self) - mapped;
                }
                else
                {
                    // As KafkaLoadLoop does: the previous batch is written on the pool while this one was mapped.
                    // As KafkaLoadLoop does, a committed batch's row memory goes back for the next batches.
                    if (writing is { } previous)
                    {
                        latencies.Add((await previous.Write).Elapsed.TotalMilliseconds);
                        previous.Batch.ReturnRowMemory();
                    }

                    writing = (Task.Run(() => writer.WriteAsync(batch, cancellationToken), cancellationToken), batch);
                }

                stored = batch.Partitions.Single().NextOffset;
            }

            if (writing is { } last)
            {
                latencies.Add((await last.Write).Elapsed.TotalMilliseconds);
                last.Batch.ReturnRowMemory();
            }

            var clientCpu = CpuOf(self) - clientBefore;
            var loaderSeconds = total.Elapsed.TotalSeconds;
            var serverCpu = await ServerCpuAsync(dataSource, cancellationToken) - serverBefore;
            var written = await CountAsync(dataSource, cancellationToken);
            if (written != rows)
            {
                Console.Error.WriteLine($"loader bench: expected {rows} rows, found {written}");
                return 1;
            }

            // psql \copy of the same rows as CSV into the same (emptied) table.
            var csv = Path.Combine(Path.GetTempPath(), databaseName + ".csv");
            await File.WriteAllLinesAsync(csv, candles.Select(Csv), cancellationToken);
            await ExecuteAsync(connectionString, "TRUNCATE market.candles_1m; CHECKPOINT", cancellationToken);
            var copyClock = Stopwatch.StartNew();
            await PsqlCopyAsync(connectionString, csv, cancellationToken);
            var copySeconds = copyClock.Elapsed.TotalSeconds;
            File.Delete(csv);
            if (await CountAsync(dataSource, cancellationToken) != rows)
            {
                Console.Error.WriteLine("loader bench: \\copy did not load every row");
                return 1;
            }

            // Replaying the same batches: every row conflicts and is identical (the idempotent path).
            await ExecuteAsync(connectionString, "DELETE FROM market.loader_offsets", cancellationToken);
            var replayClock = Stopwatch.StartNew();
            var replayWriter = new BatchWriter(dataSource, "bench-replay");
            stored = null;
            for (var start = 0; start < records.Count; start += batchSize)
            {
                var expected = stored;
                var batch = new LoadBatch(_ => expected, TimeProvider.System);
                foreach (var record in records.Skip(start).Take(batchSize))
                {
                    batch.Add(record);
                }

                await replayWriter.WriteAsync(batch, cancellationToken);
                batch.ReturnRowMemory();
                stored = batch.Partitions.Single().NextOffset;
            }

            var replaySeconds = replayClock.Elapsed.TotalSeconds;
            latencies.Sort();
            var loaderRate = rows / loaderSeconds;
            var copyRate = rows / copySeconds;
            var writeRate = rows / (loaderSeconds - mapping.TotalSeconds);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"loader (map JSON + COPY + offsets, per batch): {loaderRate:N0} rows/s ({loaderSeconds:F2} s; mapping alone {rows / mapping.TotalSeconds:N0} rows/s; serial database part {(serial ? writeRate.ToString("N0", CultureInfo.InvariantCulture) : "n/a")} rows/s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"psql \\copy CSV into the same table:                 {copyRate:N0} rows/s ({copySeconds:F2} s)"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio loader / \\copy: {loaderRate / copyRate:F2}{(serial ? $" (database part alone {writeRate / copyRate:F2})" : string.Empty)}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"replay of the same batches (all conflicts, no change): {rows / replaySeconds:N0} rows/s"));
            Console.WriteLine(serial
                ? string.Create(CultureInfo.InvariantCulture,
                    $"CPU of the loader run: mapping JSON {mappingCpu.TotalSeconds:F2} s, writing batches (client) {writingCpu.TotalSeconds:F2} s, PostgreSQL backends {serverCpu:F2} s")
                : string.Create(CultureInfo.InvariantCulture,
                    $"CPU of the loader run: client {clientCpu.TotalSeconds:F2} s (of which mapping JSON {mappingCpu.TotalSeconds:F2} s), PostgreSQL backends {serverCpu:F2} s"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"batch latency: p50 {Percentile(latencies, 0.50):F1} ms, p99 {Percentile(latencies, 0.99):F1} ms, max {latencies[^1]:F1} ms ({latencies.Count} batches)"));
            return 0;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS {databaseName} WITH (FORCE)", CancellationToken.None);
        }
    }

    private static List<Candle> Generate(int rows)
    {
        var origin = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var perMinute = Symbols.Length * Venues.Length;
        var random = new Random(42);
        var candles = new List<Candle>(rows);
        for (var i = 0; i < rows; i++)
        {
            var start = origin.AddMinutes(i / perMinute);
            var venue = Venues[i % Venues.Length];
            var symbol = Symbols[i / Venues.Length % Symbols.Length];
            var open = 20_000m + random.Next(0, 5_000_000) / 100m;
            var close = open + random.Next(-10_000, 10_000) / 100m;
            var kind = Sources.IsPriceApi(venue) ? TickKind.Quote : TickKind.Trade;
            candles.Add(new Candle(venue, symbol, kind, start, start.AddMinutes(1), open, Math.Max(open, close) + 1.25m, Math.Min(open, close) - 0.75m, close,
                (open + close) / 2, random.Next(1, 100_000) / 1000m, random.Next(1, 500), Coverage.Complete, Final: true));
        }

        return candles;
    }

    private static string Csv(Candle c) => string.Create(CultureInfo.InvariantCulture,
        $"{c.WindowStart.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00,{c.Symbol},{c.Source},{c.WindowEnd.UtcDateTime:yyyy-MM-dd HH:mm:ss}+00,{(c.Kind == TickKind.Trade ? "trade" : "quote")},"
        + $"{c.Open},{c.High},{c.Low},{c.Close},{c.Vwap},{c.Volume},{c.Count},complete,{(c.Final ? "t" : "f")}");

    private static async Task PsqlCopyAsync(string connectionString, string csv, CancellationToken cancellationToken)
    {
        var cs = new NpgsqlConnectionStringBuilder(connectionString);
        var psql = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin", "psql")).Where(File.Exists).Order(StringComparer.Ordinal).LastOrDefault() ?? "psql"
            : "psql";
        var start = new ProcessStartInfo(psql,
        [
            "-h", cs.Host!, "-p", cs.Port.ToString(CultureInfo.InvariantCulture), "-U", cs.Username ?? "postgres", "-d", cs.Database!, "-v", "ON_ERROR_STOP=1", "-q",
            "-c", $"\\copy market.candles_1m (bucket, symbol, source, window_end, kind, open, high, low, close, vwap, volume, tick_count, coverage, final) FROM '{csv}' WITH (FORMAT csv)",
        ]) { RedirectStandardError = true };
        using var process = Process.Start(start) ?? throw new InvalidOperationException("psql did not start");
        var error = await process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"psql \\copy failed: {error}");
        }
    }

    private static TimeSpan CpuOf(Process process)
    {
        process.Refresh();
        return process.TotalProcessorTime;
    }

    /// <summary>
    /// User + system CPU seconds of this database's server processes (from /proc: the server runs on this machine);
    /// 0 where /proc is not readable. Pooled backends live through the run, so a difference covers what they did.
    /// </summary>
    private static async Task<double> ServerCpuAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT pid FROM pg_stat_activity WHERE datname = current_database()");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var seconds = 0.0;
        while (await reader.ReadAsync(cancellationToken))
        {
            var stat = $"/proc/{reader.GetInt32(0)}/stat";
            if (!File.Exists(stat))
            {
                continue;
            }

            // Fields after the command name "(postgres)": utime and stime are the 12th and 13th, in clock ticks (100/s).
            var fields = (await File.ReadAllTextAsync(stat, cancellationToken)).Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            seconds += (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }

        return seconds;
    }

    private static async Task<long> CountAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM market.candles_1m");
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static int IntArg(string[] args, string name, int fallback) =>
        StringArg(args, name) is { } text ? int.Parse(text, CultureInfo.InvariantCulture) : fallback;

    private static string? StringArg(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length ? args[at + 1] : null;
    }
}
