using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Loader.Tests.Support;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace CryptoStreams.Loader.Tests;

/// <summary>The whole loader (AddLoader, LoaderService, the consumer loop) against the embedded broker and the real database.</summary>
public sealed class KafkaLoaderTests(LoaderDatabase database) : IClassFixture<LoaderDatabase>, IAsyncLifetime
{
    private EmbeddedBroker broker = null!;

    public async Task InitializeAsync()
    {
        await MarketSnapshot.TruncateAsync(database.DataSource);
        broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(Topics.Transformed.Concat(RecordMapper.RawTradeTopics).Append(Topics.RawCandles).Append(Topics.DlqLoader)
            .Select(t => new TopicSpecification { Name = t, NumPartitions = LoaderGenerators.Partitions, ReplicationFactor = 1 }));
    }

    public async Task DisposeAsync() => await broker.DisposeAsync();

    [Fact]
    public async Task Every_produced_record_lands_once_and_unmappable_ones_go_to_the_dead_letter_topic()
    {
        var stream = LoaderGenerators.SampleOne(LoaderGenerators.Stream(300, 300), seed: 3)[0];
        await ProduceAsync(stream);

        await using var loader = await StartLoaderAsync("one-loader");
        await WaitUntilLoadedAsync("one-loader", stream.Count);

        await AssertTablesEqualReferenceAsync("one-loader", stream);
        var garbage = stream.Count(r => r.Value!.AsSpan().SequenceEqual(LoaderGenerators.NotARecord));
        Assert.True(garbage > 0, "the generated stream holds payloads that are not records");
        var letters = await ReadDeadLettersAsync(garbage);
        Assert.Equal(garbage, letters.Count);
        Assert.All(letters, l => Assert.Equal(RecordMapper.Reasons.Unparseable, l.Reason));
        // The status follows the commit by at most one poll of the loop.
        await Eventually.HoldsAsync(() => loader.Status.Current.RecordsConsumed == stream.Count, "the status counts every record");
    }

    [Fact]
    public async Task A_candle_the_database_refuses_reaches_the_dead_letter_topic_with_its_SQLSTATE_and_the_loader_goes_on()
    {
        var stream = LoaderGenerators.SampleOne(LoaderGenerators.Stream(150, 150), seed: 21)[0];
        var start = new DateTimeOffset(2030, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var refused = new Candle(Sources.Binance, "BTC-USDT", TickKind.Trade, start, start.AddMinutes(1), -1m, 2m, 1m, 1.5m, 1.5m, 3m, 4, Coverage.Complete, true);
        var btcCandles = stream.Where(r => r.Topic == Topics.Prices1m && r.Partition == 0).ToList();
        var bad = new ConsumedRecord(Topics.Prices1m, 0, btcCandles.Count, "BTC"u8.ToArray(), CryptoStreams.Schema.Serialization.RecordJson.Serialize(refused), start);
        var after = LoaderGenerators.Place([(Topics.Prices1m, "BTC", CryptoStreams.Schema.Serialization.RecordJson.Serialize(refused with { Open = 1m, WindowStart = start.AddMinutes(1), WindowEnd = start.AddMinutes(2) }))])
            .Select(r => r with { Offset = btcCandles.Count + 1 }).ToList();
        await ProduceAsync(stream);
        await ProduceAsync([bad, .. after]);

        await using var loader = await StartLoaderAsync("refusals");
        await WaitUntilLoadedAsync("refusals", stream.Count + 2);

        // The refused candle is missing from the table, the one after it is there: the partition did not stall.
        await AssertTablesEqualReferenceAsync("refusals", [.. stream, .. after]);
        var garbage = stream.Count(r => r.Value!.AsSpan().SequenceEqual(LoaderGenerators.NotARecord));
        var letters = await ReadDeadLettersAsync(garbage + 1);
        var letter = Assert.Single(letters, l => l.Reason == "database-23514");
        Assert.Equal((Topics.Prices1m, 0, bad.Offset), (letter.Topic, letter.Partition!.Value, letter.Offset!.Value));
        Assert.Contains("candles_1m_prices_positive", letter.Error, StringComparison.Ordinal);
        Assert.Equal(bad.Value, letter.Payload);
        Assert.NotEqual(LoaderState.Retrying, loader.Status.Current.State);
    }

    [Fact]
    public async Task A_second_loader_joining_mid_stream_shares_the_partitions_and_nothing_is_lost_or_doubled()
    {
        var stream = LoaderGenerators.SampleOne(LoaderGenerators.Stream(600, 600), seed: 5)[0];
        var (first, second) = (stream.Take(300).ToList(), stream.Skip(300).ToList());
        await ProduceAsync(first);

        await using var a = await StartLoaderAsync("shared");
        await Eventually.HoldsAsync(async () => await StoredOffsetSumAsync("shared") > 0, "the first loader wrote a batch");
        await using var b = await StartLoaderAsync("shared");

        // The rest is produced once the group has rebalanced, or the first loader may have read it all alone.
        await Eventually.HoldsAsync(() => b.Status.Current.AssignedPartitions > 0, "the second loader was assigned partitions");
        await ProduceAsync(second);
        await WaitUntilLoadedAsync("shared", stream.Count);

        await AssertTablesEqualReferenceAsync("shared", stream);
        Assert.True(b.Status.Current.RecordsConsumed > 0, "the second loader got partitions");
    }

    [Fact]
    public async Task While_the_database_refuses_connections_the_loader_retries_and_then_catches_up_without_loss()
    {
        var stream = LoaderGenerators.SampleOne(LoaderGenerators.Stream(200, 200), seed: 9)[0];
        await ProduceAsync(stream.Take(100));
        await using var loader = await StartLoaderAsync("outage");
        await WaitUntilLoadedAsync("outage", 100);

        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        await AdminAsync($"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false");
        await AdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()");
        try
        {
            await ProduceAsync(stream.Skip(100));
            await Eventually.HoldsAsync(() => loader.Status.Current.State == LoaderState.Retrying, "the loader retries while the database is down");
        }
        finally
        {
            await AdminAsync($"ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS true");
            database.DataSource.Clear();
        }

        await WaitUntilLoadedAsync("outage", stream.Count);
        await AssertTablesEqualReferenceAsync("outage", stream);
    }

    [Fact]
    public async Task A_restarted_loader_resumes_from_the_offsets_in_the_database_not_from_Kafka()
    {
        var stream = LoaderGenerators.SampleOne(LoaderGenerators.Stream(200, 200), seed: 13)[0];
        await ProduceAsync(stream.Take(120));
        await using (var before = await StartLoaderAsync("restart", commitToKafka: false))
        {
            await WaitUntilLoadedAsync("restart", 120);
        }

        await ProduceAsync(stream.Skip(120));
        await using var after = await StartLoaderAsync("restart", commitToKafka: false);
        await WaitUntilLoadedAsync("restart", stream.Count);

        // Kafka has no committed offset for the group: only the database can have told it where to start.
        await Eventually.HoldsAsync(() => after.Status.Current.RecordsConsumed >= stream.Count - 120, "the status caught up");
        Assert.Equal(stream.Count - 120, after.Status.Current.RecordsConsumed);
        await AssertTablesEqualReferenceAsync("restart", stream);
    }

    private async Task<RunningLoader> StartLoaderAsync(string group, bool commitToKafka = true)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = broker.BootstrapServers,
            ["Database:ConnectionString"] = database.ConnectionString,
            ["Loader:GroupId"] = group,
            ["Loader:IncludeRawTrades"] = "true",
            ["Loader:BatchSize"] = "40",
            ["Loader:BatchLinger"] = "00:00:00.050",
            ["Loader:RetryInitialDelay"] = "00:00:00.050",
            ["Loader:RetryMaxDelay"] = "00:00:00.400",
            ["Loader:CommitToKafka"] = commitToKafka ? "true" : "false",
        }).Build();
        var services = new ServiceCollection().AddLogging().AddLoader(configuration).BuildServiceProvider();
        var service = services.GetServices<IHostedService>().OfType<LoaderService>().Single();
        await service.StartAsync(CancellationToken.None);
        return new RunningLoader(services, service);
    }

    private async Task ProduceAsync(IEnumerable<ConsumedRecord> records)
    {
        using var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, Acks = Acks.All }).Build();
        foreach (var record in records)
        {
            // One at a time: the broker must assign exactly the offsets the reference model assumes.
            var delivered = await producer.ProduceAsync(new TopicPartition(record.Topic, record.Partition), new Message<byte[], byte[]> { Key = record.Key!, Value = record.Value! });
            Assert.Equal(record.Offset, delivered.Offset.Value);
        }
    }

    private async Task WaitUntilLoadedAsync(string group, long records) =>
        await Eventually.HoldsAsync(async () => await StoredOffsetSumAsync(group) == records, $"group {group} stored offsets for {records} records");

    private async Task<long> StoredOffsetSumAsync(string group)
    {
        await using var command = database.DataSource.CreateCommand("SELECT coalesce(sum(next_offset), 0)::bigint FROM market.loader_offsets WHERE consumer_group = $1");
        command.Parameters.AddWithValue(group);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task AssertTablesEqualReferenceAsync(string group, IReadOnlyList<ConsumedRecord> stream)
    {
        var stored = await MarketSnapshot.ReadAsync(database.DataSource, group);
        var differences = stored.DifferencesFrom(ReferenceLoader.Expected(stream));
        Assert.True(differences.Count == 0, string.Join('\n', differences.Take(10)));
    }

    private async Task<List<DeadLetter>> ReadDeadLettersAsync(int expected)
    {
        using var consumer = new ConsumerBuilder<byte[], DeadLetter>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "dlq-reader",
            AutoOffsetReset = AutoOffsetReset.Earliest,
        }).SetValueDeserializer(new CryptoStreams.Schema.Serialization.RecordSerializer<DeadLetter>()).Build();
        consumer.Subscribe(Topics.DlqLoader);
        var letters = new List<DeadLetter>();
        await Eventually.HoldsAsync(
            () =>
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { Message: not null } result)
                {
                    letters.Add(result.Message.Value);
                }

                return letters.Count >= expected;
            },
            $"{expected} dead letters on {Topics.DlqLoader}");
        consumer.Close();
        return letters;
    }

    private static async Task AdminAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(PostgresServer.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private sealed class RunningLoader(ServiceProvider services, LoaderService service) : IAsyncDisposable
    {
        public LoaderStatus Status => services.GetRequiredService<LoaderStatus>();

        public async ValueTask DisposeAsync()
        {
            await service.StopAsync(CancellationToken.None);
            await services.DisposeAsync();
        }
    }
}
