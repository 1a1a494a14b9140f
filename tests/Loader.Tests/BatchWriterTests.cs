using System.Text;
using CryptoStreams.Loader.Tests.Support;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck.Xunit;

namespace CryptoStreams.Loader.Tests;

[Collection(nameof(BatchWriterTests))]
public class BatchWriterTests(LoaderDatabase database) : IClassFixture<LoaderDatabase>
{
    private static readonly DateTimeOffset Minute = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Property(Arbitrary = [typeof(LoadRunArbitrary)], MaxTest = 15)]
    public async Task<bool> Rows_written_equal_the_records_consumed_field_by_field(LoadRun stream)
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        await ResumingLoad.RunAsync(new BatchWriter(database.DataSource, "roundtrip"), stream.Records, stream.BatchSize);

        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "roundtrip");
        var differences = stored.DifferencesFrom(ReferenceLoader.Expected(stream.Records));
        Assert.True(differences.Count == 0, string.Join('\n', differences.Take(10)));
        return true;
    }

    [Property(Arbitrary = [typeof(LoadRunArbitrary)], MaxTest = 6)]
    public async Task<bool> Replaying_the_same_records_gives_the_same_table_contents(LoadRun stream)
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var writer = new BatchWriter(database.DataSource, "replay");
        await ResumingLoad.RunAsync(writer, stream.Records, stream.BatchSize);
        var first = await MarketSnapshot.ReadAsync(database.DataSource, "replay");

        // A consumer whose offsets were reset reads everything again; so does a second group on the same tables.
        await using (var reset = database.DataSource.CreateCommand("DELETE FROM market.loader_offsets"))
        {
            await reset.ExecuteNonQueryAsync();
        }

        await ResumingLoad.RunAsync(writer, stream.Records, stream.BatchSize);
        await ResumingLoad.RunAsync(new BatchWriter(database.DataSource, "replay-second-group"), stream.Records, stream.BatchSize * 2);
        var again = await MarketSnapshot.ReadAsync(database.DataSource, "replay");

        var differences = again.DifferencesFrom(first);
        Assert.True(differences.Count == 0, string.Join('\n', differences.Take(10)));
        return true;
    }

    [Fact]
    public async Task A_replayed_identical_batch_changes_no_row()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var records = LoaderGenerators.Place(Enumerable.Range(0, 50).Select(i => Candle(i, final: true)).Select(c => (Topics.Prices1m, c.Asset, RecordJson.Serialize(c))));

        var first = await new BatchWriter(database.DataSource, "identical-1").WriteAsync(BatchOf(records), CancellationToken.None);
        var second = await new BatchWriter(database.DataSource, "identical-2").WriteAsync(BatchOf(records), CancellationToken.None);

        Assert.Equal(50, first.RowsChanged);
        Assert.Equal(0, second.RowsChanged);
    }

    [Fact]
    public async Task A_provisional_candle_is_replaced_by_the_final_one_and_never_the_other_way_round()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var provisional = Candle(0, final: false);
        var final = provisional with { Close = 101.5m, Final = true };
        var lateProvisional = provisional with { Close = 99m };
        var writer = new BatchWriter(database.DataSource, "final");
        var stream = LoaderGenerators.Place(new[] { provisional, final, lateProvisional }.Select(c => (Topics.Prices1m, c.Asset, RecordJson.Serialize(c))));

        await ResumingLoad.RunAsync(writer, stream, batchSize: 1);

        var stored = Assert.Single((await MarketSnapshot.ReadAsync(database.DataSource, "final")).Candles.Values);
        Assert.Equal(final, stored);
    }

    [Fact]
    public async Task Records_that_cannot_be_rows_become_dead_letters_with_the_reason_and_the_batch_goes_on()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var good = Candle(1, final: true);
        var nul = Candle(2, final: true) with { Source = "bin\0ance" };
        var quote = new Tick(Sources.Binance, TickKind.Quote, "BTC-USDT", 1m, 0m, TradeSide.Unknown, null, Minute, Minute);
        var records = new List<ConsumedRecord>
        {
            new(Topics.Prices1m, 0, 0, null, Encoding.UTF8.GetBytes("{\"open\": \"not a number\""), Minute),
            new(Topics.Prices1m, 0, 1, null, RecordJson.Serialize(good), Minute),
            new(Topics.Prices1m, 0, 2, null, null, Minute),
            new(Topics.Prices1m, 0, 3, null, RecordJson.Serialize(nul), Minute),
            new(Topics.Raw(Sources.Binance), 0, 0, null, RecordJson.Serialize(quote), Minute),
            new("prices.5m", 0, 0, null, RecordJson.Serialize(good), Minute),
        };
        var batch = BatchOf(records);

        await new BatchWriter(database.DataSource, "dlq").WriteAsync(batch, CancellationToken.None);

        Assert.Equal(
            [RecordMapper.Reasons.Unparseable, RecordMapper.Reasons.NullValue, RecordMapper.Reasons.InvalidText, RecordMapper.Reasons.MissingTradeId, RecordMapper.Reasons.UnknownTopic],
            batch.DeadLetters.Select(d => d.Letter.Reason));
        Assert.All(batch.DeadLetters, d => Assert.Equal("loader", d.Letter.Stage));
        Assert.Equal(records[0].Value, batch.DeadLetters[0].Letter.Payload);
        Assert.Equal((Topics.Prices1m, 0, 3L), (batch.DeadLetters[2].Letter.Topic, batch.DeadLetters[2].Letter.Partition!.Value, batch.DeadLetters[2].Letter.Offset!.Value));
        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "dlq");
        Assert.Equal(good, Assert.Single(stored.Candles.Values));
        Assert.Equal(4, stored.Offsets[new TopicPartitionKey(Topics.Prices1m, 0)]);
        Assert.Equal(1, stored.Offsets[new TopicPartitionKey(Topics.Raw(Sources.Binance), 0)]);
    }

    [Fact]
    public async Task A_loader_whose_offsets_are_stale_is_refused_and_writes_nothing()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var records = LoaderGenerators.Place(Enumerable.Range(0, 10).Select(i => Candle(i, final: true)).Select(c => (Topics.Prices1m, c.Asset, RecordJson.Serialize(c))));
        var owner = new BatchWriter(database.DataSource, "fenced");
        var zombie = new BatchWriter(database.DataSource, "fenced");
        var zombieBatch = BatchOf(records.Take(5).Select(r => r with { Value = RecordJson.Serialize(Candle(99, final: false)) }));

        await owner.WriteAsync(BatchOf(records), CancellationToken.None);
        await Assert.ThrowsAsync<StaleBatchException>(() => zombie.WriteAsync(zombieBatch, CancellationToken.None));

        var stored = await MarketSnapshot.ReadAsync(database.DataSource, "fenced");
        Assert.Equal(10, stored.Candles.Count);
        Assert.All(stored.Candles.Values, c => Assert.True(c.Final));
        Assert.Equal(10, stored.Offsets.Values.Sum());
    }

    [Fact]
    public async Task The_largest_round_id_and_extreme_decimals_are_stored_exactly()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        var deviation = new Deviation("BTC-USD", Minute, Minute.AddMinutes(1), Sources.Chainlink, UInt128.MaxValue, decimal.MaxValue, Minute,
            0.1, 0.0000000000000000000000000001m, decimal.MinValue, null, -1.10m);
        var records = LoaderGenerators.Place([(Topics.Deviation1m, "BTC", RecordJson.Serialize(deviation))]);

        await new BatchWriter(database.DataSource, "extremes").WriteAsync(BatchOf(records), CancellationToken.None);

        var stored = Assert.Single((await MarketSnapshot.ReadAsync(database.DataSource, "extremes")).Deviations.Values);
        Assert.Equal(deviation, stored);
        await using var text = database.DataSource.CreateCommand("SELECT oracle_round_id::text, api_deviation_percent::text FROM market.oracle_deviation");
        await using var reader = await text.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(UInt128.MaxValue.ToString(System.Globalization.CultureInfo.InvariantCulture), reader.GetString(0));
        Assert.Equal("-1.10", reader.GetString(1));
    }

    private static Candle Candle(int i, bool final) =>
        new(Sources.Binance, i % 2 == 0 ? "BTC-USDT" : "ETH-USDT", TickKind.Trade, Minute.AddMinutes(i), Minute.AddMinutes(i + 1),
            100m + i, 110m + i, 90m + i, 105.123456789m + i, 101.5m, 12.000001m, i + 1, Coverage.Complete, final);

    private static LoadBatch BatchOf(IEnumerable<ConsumedRecord> records)
    {
        var batch = new LoadBatch(_ => null, TimeProvider.System);
        foreach (var record in records)
        {
            batch.Add(record);
        }

        return batch;
    }
}
