using CryptoStreams.Loader.Tests.Support;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Npgsql;

namespace CryptoStreams.Loader.Tests;

/// <summary>
/// Rows PostgreSQL itself refuses (here: candles_1m_prices_positive, SQLSTATE 23514) are isolated from their batch and
/// dead-lettered with the SQLSTATE and the constraint; the rest of the batch lands with the offsets; dead letters are
/// delivered before the commit that moves the offsets past them.
/// </summary>
public class DatabaseRefusalTests(LoaderDatabase database) : IClassFixture<LoaderDatabase>
{
    private static readonly DateTimeOffset Minute = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Candles_the_database_refuses_are_dead_lettered_with_SQLSTATE_and_constraint_and_the_rest_of_the_batch_lands()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var candles = Enumerable.Range(0, 40).Select(i => Candle(i, final: true)).ToList();
        candles[0] = candles[0] with { Open = -1m };
        candles[17] = candles[17] with { Close = 0m };
        candles[39] = candles[39] with { Low = -0.01m };
        var records = Place(candles);

        var outcome = await new BatchWriter(database.DataSource, "refused").WriteAsync(BatchOf(records), CancellationToken.None);

        Assert.Equal(37, outcome.RowsChanged);
        Assert.Equal([0L, 17L, 39L], outcome.DeadLetters.Select(d => d.Letter.Offset!.Value));
        Assert.All(outcome.DeadLetters, d =>
        {
            Assert.Equal("database-23514", d.Letter.Reason);
            Assert.Contains("SQLSTATE 23514", d.Letter.Error, StringComparison.Ordinal);
            Assert.Contains("constraint candles_1m_prices_positive", d.Letter.Error, StringComparison.Ordinal);
            Assert.Contains("market.candles_1m", d.Letter.Error, StringComparison.Ordinal);
            Assert.Equal(records[(int)d.Letter.Offset!.Value].Value, d.Letter.Payload);
            Assert.Equal(records[(int)d.Letter.Offset!.Value].Key, d.Key);
        });
        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "refused");
        Assert.Equal(candles.Where((_, i) => i is not (0 or 17 or 39)).OrderBy(c => c.WindowStart), stored.Candles.Values.OrderBy(c => c.WindowStart));
        Assert.Equal(40, stored.Offsets[new TopicPartitionKey(Topics.Prices1m, 0)]);
    }

    [Fact]
    public async Task A_refused_revision_keeps_the_stored_version_while_the_other_revisions_of_the_batch_land()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var provisional = Enumerable.Range(0, 20).Select(i => Candle(i, final: false)).ToList();
        var writer = new BatchWriter(database.DataSource, "revision");
        await writer.WriteAsync(BatchOf(Place(provisional)), CancellationToken.None);
        var final = provisional.Select(c => c with { Close = c.Close + 1m, Final = true }).ToList();
        final[5] = final[5] with { High = -7m };
        var revisions = Place(final).Select(r => r with { Offset = r.Offset + 20 }).ToList();

        var outcome = await writer.WriteAsync(BatchOf(revisions, storedOffset: 20), CancellationToken.None);

        var letter = Assert.Single(outcome.DeadLetters).Letter;
        Assert.Equal((25L, "database-23514"), (letter.Offset!.Value, letter.Reason));
        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "revision");
        Assert.Equal(final.Where((_, i) => i != 5).Append(provisional[5]).OrderBy(c => c.WindowStart), stored.Candles.Values.OrderBy(c => c.WindowStart));
        Assert.Equal(40, stored.Offsets[new TopicPartitionKey(Topics.Prices1m, 0)]);
    }

    [Property(Arbitrary = [typeof(RefusalArbitrary)], MaxTest = 10)]
    public async Task<bool> Any_set_of_refused_rows_is_dead_lettered_exactly_and_every_other_row_lands_once(RefusalRun run)
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var candles = Enumerable.Range(0, run.Count).Select(i => run.Bad.Contains(i) ? Candle(i, final: true) with { Open = -i } : Candle(i, final: true)).ToList();
        var publisher = new RecordingPublisher();
        var writer = new BatchWriter(database.DataSource, "any-refusals", publisher);

        await ResumingLoad.RunAsync(writer, Place(candles), run.BatchSize);

        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "any-refusals");
        Assert.Equal(candles.Where((_, i) => !run.Bad.Contains(i)).OrderBy(c => c.WindowStart), stored.Candles.Values.OrderBy(c => c.WindowStart));
        Assert.Equal(run.Bad.Order().Select(i => (long)i), publisher.Delivered.Select(d => d.Letter.Offset!.Value).Order());
        Assert.Equal(run.Count, stored.Offsets[new TopicPartitionKey(Topics.Prices1m, 0)]);
        return true;
    }

    [Fact]
    public async Task Dead_letters_are_delivered_before_the_commit_that_moves_the_offsets_past_them()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var candles = Enumerable.Range(0, 10).Select(i => Candle(i, final: true)).ToList();
        candles[3] = candles[3] with { Close = -1m };
        var records = Place(candles).Prepend(new ConsumedRecord(Topics.Prices1m, 1, 0, null, "{\"not\":\"a record\"}"u8.ToArray(), Minute)).ToList();
        long? offsetsSeenByPublisher = -1;
        var publisher = new RecordingPublisher
        {
            OnDelivery = async () => offsetsSeenByPublisher = await StoredOffsetAsync("before-commit"),
        };

        await new BatchWriter(database.DataSource, "before-commit", publisher).WriteAsync(BatchOf(records), CancellationToken.None);

        Assert.Null(offsetsSeenByPublisher);
        Assert.Equal([RecordMapper.Reasons.Unparseable, "database-23514"], publisher.Delivered.Select(d => d.Letter.Reason));
        Assert.Equal(10, await StoredOffsetAsync("before-commit"));
    }

    [Fact]
    public async Task When_dead_letters_cannot_be_delivered_nothing_is_committed()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var candles = Enumerable.Range(0, 10).Select(i => Candle(i, final: true)).ToList();
        candles[8] = candles[8] with { Open = 0m };
        var publisher = new RecordingPublisher { OnDelivery = () => throw new InvalidOperationException("dlq.loader unreachable") };

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            new BatchWriter(database.DataSource, "undeliverable", publisher).WriteAsync(BatchOf(Place(candles)), CancellationToken.None));

        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "undeliverable");
        Assert.Empty(stored.Candles);
        Assert.Null(await StoredOffsetAsync("undeliverable"));
    }

    [Fact]
    public async Task A_crash_after_delivering_dead_letters_and_before_the_commit_sends_them_again_and_loses_nothing()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var candles = Enumerable.Range(0, 30).Select(i => Candle(i, final: true)).ToList();
        candles[4] = candles[4] with { Open = -4m };
        candles[22] = candles[22] with { Close = 0m };
        var publisher = new RecordingPublisher();
        var crash = new CrashOnceBeforeCommit();

        var failures = await ResumingLoad.RunAsync(new BatchWriter(database.DataSource, "dlq-crash", crash, publisher), Place(candles), batchSize: 30, crash.Caused);

        Assert.Equal(1, failures);
        // Delivered once before the crash and once by the retried batch: duplicated, never lost.
        Assert.Equal([4L, 4L, 22L, 22L], publisher.Delivered.Select(d => d.Letter.Offset!.Value).Order());
        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "dlq-crash");
        Assert.Equal(28, stored.Candles.Count);
        Assert.Equal(30, stored.Offsets[new TopicPartitionKey(Topics.Prices1m, 0)]);
    }

    [Theory]
    [InlineData("23514", WriteFailureKind.Data)] // check_violation
    [InlineData("23502", WriteFailureKind.Data)] // not_null_violation
    [InlineData("22003", WriteFailureKind.Data)] // numeric_value_out_of_range
    [InlineData("22P05", WriteFailureKind.Data)] // untranslatable_character
    [InlineData("40001", WriteFailureKind.Transient)] // serialization_failure
    [InlineData("40P01", WriteFailureKind.Transient)] // deadlock_detected
    [InlineData("57P01", WriteFailureKind.Transient)] // admin_shutdown
    [InlineData("08006", WriteFailureKind.Transient)] // connection_failure
    [InlineData("53300", WriteFailureKind.Transient)] // too_many_connections
    [InlineData("42P01", WriteFailureKind.Other)] // undefined_table
    [InlineData("42501", WriteFailureKind.Other)] // insufficient_privilege
    public void PostgreSQL_errors_are_classified_by_SQLSTATE(string sqlState, WriteFailureKind expected) =>
        Assert.Equal(expected, PostgresFailures.Classify(new PostgresException("refused", "ERROR", "ERROR", sqlState)));

    [Fact]
    public async Task A_connection_the_server_terminated_is_a_transient_failure()
    {
        await using var connection = await database.DataSource.OpenConnectionAsync();
        await using (var terminate = database.DataSource.CreateCommand("SELECT pg_terminate_backend($1)"))
        {
            terminate.Parameters.AddWithValue(connection.ProcessID);
            await terminate.ExecuteScalarAsync();
        }

        await using var probe = new NpgsqlCommand("SELECT 1", connection);
        var failure = await Assert.ThrowsAnyAsync<NpgsqlException>(() => probe.ExecuteScalarAsync());
        Assert.Equal(WriteFailureKind.Transient, PostgresFailures.Classify(failure));
    }

    private async Task<long?> StoredOffsetAsync(string group)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT next_offset FROM market.loader_offsets WHERE consumer_group = $1 AND topic = $2 AND partition = 0");
        command.Parameters.AddWithValue(group);
        command.Parameters.AddWithValue(Topics.Prices1m);
        return await command.ExecuteScalarAsync() as long?;
    }

    private static Candle Candle(int i, bool final) =>
        new(Sources.Binance, "BTC-USDT", TickKind.Trade, Minute.AddMinutes(i), Minute.AddMinutes(i + 1),
            100m + i, 110m + i, 90m + i, 105.5m + i, 101.5m, 12.000001m, i + 1, Coverage.Complete, final);

    /// <summary>Candles of one asset: all on prices.1m partition 0, offsets 0, 1, 2, …</summary>
    private static List<ConsumedRecord> Place(IEnumerable<Candle> candles) =>
        [.. LoaderGenerators.Place(candles.Select(c => (Topics.Prices1m, c.Asset, RecordJson.Serialize(c))))];

    private static LoadBatch BatchOf(IEnumerable<ConsumedRecord> records, long? storedOffset = null)
    {
        var batch = new LoadBatch(p => p.Partition == 0 ? storedOffset : null, TimeProvider.System);
        foreach (var record in records)
        {
            batch.Add(record);
        }

        return batch;
    }

    /// <summary>A dead-letter destination that keeps what it was given, in order (stands in for dlq.loader).</summary>
    private sealed class RecordingPublisher : IDeadLetterPublisher
    {
        public List<RejectedRecord> Delivered { get; } = [];

        public Func<Task>? OnDelivery { get; init; }

        public async Task PublishAsync(IReadOnlyList<RejectedRecord> letters, CancellationToken cancellationToken)
        {
            if (OnDelivery is not null)
            {
                await OnDelivery();
            }

            Delivered.AddRange(letters);
        }
    }

    private sealed class CrashOnceBeforeCommit : IBatchFaults
    {
        private bool crashed;

        public bool Caused(Exception exception) => exception is InvalidOperationException && crashed;

        public ValueTask AtAsync(FaultPoint point, NpgsqlConnection connection, CancellationToken cancellationToken)
        {
            if (point != FaultPoint.BeforeCommit || crashed)
            {
                return ValueTask.CompletedTask;
            }

            crashed = true;
            throw new InvalidOperationException("injected crash between delivering the dead letters and the commit");
        }
    }
}

/// <summary>A number of distinct candles, which of them the database refuses, and the batch size.</summary>
public sealed record RefusalRun(int Count, IReadOnlySet<int> Bad, int BatchSize)
{
    public override string ToString() => $"{Count} candles, refused [{string.Join(", ", Bad.Order())}], batches of {BatchSize}";
}

public static class RefusalArbitrary
{
    public static Arbitrary<RefusalRun> RefusalRun() => Arb.From(
        from count in Gen.Choose(1, 120)
        from refused in Gen.Choose(0, Math.Min(count, 12))
        from bad in Gen.ListOf(Gen.Choose(0, count - 1), refused)
        from batchSize in Gen.Choose(1, 150)
        select new RefusalRun(count, bad.ToHashSet(), batchSize));
}
