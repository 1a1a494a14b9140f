using CryptoStreams.Loader.Tests.Support;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck.Xunit;
using Npgsql;

namespace CryptoStreams.Loader.Tests;

/// <summary>
/// Kills the loader inside its transaction — by terminating its server process (pg_terminate_backend) or by an
/// exception that abandons the transaction — and checks that a restart from the stored offsets ends with exactly
/// the tables of a fault-free run.
/// </summary>
public class CrashSafetyTests(LoaderDatabase database) : IClassFixture<LoaderDatabase>
{
    [Fact]
    public async Task A_kill_between_COPY_and_COMMIT_leaves_nothing_behind_and_a_restart_loads_everything_once()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var stream = LoaderGenerators.SampleOne(LoaderGenerators.Stream(200, 200), seed: 7)[0];
        var kill = new Crashes(database.DataSource, seed: 0, probability: 0) { KillOnceAt = FaultPoint.AfterCopy };
        var writer = new BatchWriter(database.DataSource, "kill-after-copy", kill);

        var failures = await ResumingLoad.RunAsync(writer, stream, batchSize: 1000, isCrash: kill.Caused);

        Assert.Equal(1, failures);
        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "kill-after-copy");
        var differences = stored.DifferencesFrom(ReferenceLoader.Expected(stream));
        Assert.True(differences.Count == 0, string.Join('\n', differences.Take(10)));
    }

    [Fact]
    public async Task After_a_kill_between_COPY_and_COMMIT_the_tables_and_offsets_are_as_before_the_batch()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var stream = LoaderGenerators.SampleOne(LoaderGenerators.Stream(100, 100), seed: 11)[0];
        var kill = new Crashes(database.DataSource, seed: 0, probability: 0) { KillOnceAt = FaultPoint.AfterUpsert };
        var batch = new LoadBatch(_ => null, TimeProvider.System);
        foreach (var record in stream)
        {
            batch.Add(record);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => new BatchWriter(database.DataSource, "kill-before-commit", kill).WriteAsync(batch, CancellationToken.None));

        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "kill-before-commit");
        Assert.Equal(0, stored.RowCount);
        Assert.Empty(stored.Offsets);
    }

    [Property(Arbitrary = [typeof(LoadRunArbitrary)], MaxTest = 8)]
    public async Task<bool> Kills_at_random_points_then_restarts_end_with_the_tables_of_a_fault_free_run(LoadRun stream)
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        await ResumingLoad.RunAsync(new BatchWriter(database.DataSource, "fault-free"), stream.Records, stream.BatchSize);
        var faultFree = await MarketSnapshot.ReadAsync(database.DataSource, "fault-free");

        await MarketSnapshot.TruncateAsync(database.DataSource);
        var crashes = new Crashes(database.DataSource, stream.Seed, probability: 0.08);
        var failures = await ResumingLoad.RunAsync(new BatchWriter(database.DataSource, "fault-free", crashes), stream.Records, stream.BatchSize, crashes.Caused);
        var recovered = await MarketSnapshot.ReadAsync(database.DataSource, "fault-free");

        Assert.Equal(crashes.Count, failures);
        var differences = recovered.DifferencesFrom(faultFree).Concat(recovered.DifferencesFrom(ReferenceLoader.Expected(stream.Records))).ToList();
        Assert.True(differences.Count == 0, $"after {failures} crashes:\n" + string.Join('\n', differences.Take(10)));
        return true;
    }

    [Fact]
    public async Task A_crash_after_COMMIT_is_not_replayed_twice()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var candles = Enumerable.Range(0, 30).Select(i => new Candle(Sources.Okx, "BTC-USDT", TickKind.Trade, new DateTimeOffset(2026, 1, 1, 0, i, 0, TimeSpan.Zero),
            new DateTimeOffset(2026, 1, 1, 0, i + 1, 0, TimeSpan.Zero), 1, 2, 0.5m, 1.5m, 1.25m, 10, 3, Coverage.Complete, true));
        var stream = LoaderGenerators.Place(candles.Select(c => (Topics.Prices1m, c.Asset, RecordJson.Serialize(c))));
        var kill = new Crashes(database.DataSource, seed: 0, probability: 0) { KillOnceAt = FaultPoint.AfterCommit };

        var failures = await ResumingLoad.RunAsync(new BatchWriter(database.DataSource, "after-commit", kill), stream, batchSize: 10, kill.Caused);

        Assert.True(failures == 1, string.Join("\n---\n", kill.Seen));
        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "after-commit");
        Assert.Equal(30, stored.Candles.Count);
        Assert.Equal(30, stored.Offsets.Values.Single());
    }

    /// <summary>
    /// Crashes the writer: half of the time by terminating its backend from another connection (what a killed
    /// process looks like to the server), otherwise by throwing out of the open transaction.
    /// </summary>
    private sealed class Crashes(NpgsqlDataSource admin, int seed, double probability) : IBatchFaults
    {
        private readonly Random random = new(seed);

        public FaultPoint? KillOnceAt { get; init; }

        public int Count { get; private set; }

        public List<Exception> Seen { get; } = [];

        public bool Caused(Exception exception)
        {
            Seen.Add(exception);
            return Count > 0;
        }

        public async ValueTask AtAsync(FaultPoint point, NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            var once = KillOnceAt == point && Count == 0;
            if (!once && random.NextDouble() >= probability)
            {
                return;
            }

            Count++;
            if (once || random.Next(2) == 0)
            {
                await using var terminate = admin.CreateCommand("SELECT pg_terminate_backend($1, 10000)");
                terminate.Parameters.AddWithValue(connection.ProcessID);
                await terminate.ExecuteScalarAsync(cancellationToken);

                // A crashed process never hands its connection to anyone. Touch the dead connection so Npgsql marks it
                // broken; otherwise the pool would give it to the restarted loader, whose first batch would fail once more.
                try
                {
                    await using var probe = new NpgsqlCommand("SELECT 1", connection);
                    await probe.ExecuteScalarAsync(cancellationToken);
                }
                catch (NpgsqlException)
                {
                }
            }

            throw new InvalidOperationException($"injected crash at {point}");
        }
    }
}
