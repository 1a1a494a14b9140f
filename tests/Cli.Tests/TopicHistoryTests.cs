using Confluent.Kafka;
using CryptoStreams.Schema.Kafka;
using CryptoStreams.Cli.Dashboard;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Cli.TopicManagement;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport;
using CryptoStreams.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoStreams.Cli.Tests;

/// <summary>
/// The dashboard's history without a database: what the topics of a real embedded broker hold, read back through the
/// same composition the database path uses (the database path against the loader's rows is in tests/Dashboard.Tests).
/// </summary>
public sealed class TopicHistoryTests(EmbeddedBrokerFixture fixture) : IClassFixture<EmbeddedBrokerFixture>
{
    // Whole minutes a few minutes before now: inside the look-back, and the "old" window a day and a half before it is not.
    private static readonly DateTimeOffset W0 = new(DateTime.UtcNow.Ticks / TimeSpan.TicksPerMinute * TimeSpan.TicksPerMinute - TimeSpan.FromMinutes(10).Ticks, TimeSpan.Zero);
    private static readonly DateTimeOffset Old = W0 - TimeSpan.FromHours(36);

    [Fact]
    public async Task Without_a_database_the_history_is_read_back_from_the_topics_newest_record_per_window_and_then_followed()
    {
        var bootstrap = fixture.Broker.BootstrapServers;
        using (var admin = new TopicAdmin(bootstrap, new KafkaSecurityOptions()))
        {
            await admin.CreateAsync([.. Topics.Transformed.Select(t => new TopicDefinition(t, 2, -1, CleanupPolicy.Delete, "test"))], 1, CancellationToken.None);
        }

        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap }).Build();
        async Task ProduceAsync<T>(string topic, string key, DateTimeOffset at, T record) =>
            await producer.ProduceAsync(topic, new Message<string, byte[]> { Key = key, Value = RecordJson.Serialize(record), Timestamp = new Timestamp(at.UtcDateTime) });

        // A window older than the look-back, then W0 provisional and final, W1 final, W2 still open.
        await ProduceAsync(Topics.Prices1m, "BTC", Old, Candle("coinbase", "BTC-USD", Old, 1m, final: true));
        await ProduceAsync(Topics.Consensus1m, "BTC", Old, Consensus(Old, 1m, "coinbase"));
        await ProduceAsync(Topics.Prices1m, "BTC", W0, Candle("coinbase", "BTC-USD", W0, 50m, final: false));
        await ProduceAsync(Topics.Prices1m, "BTC", W0, Candle("coinbase", "BTC-USD", W0, 100m, final: true));
        await ProduceAsync(Topics.Prices1m, "BTC", W0, Candle("binance", "BTC-USDT", W0, 104m, final: true));
        await ProduceAsync(Topics.Prices1m, "BTC", W0, Candle("binance", "BTC-EUR", W0, 90m, final: true));
        await ProduceAsync(Topics.Consensus1m, "BTC", W0, Consensus(W0, 102m, "binance", "coinbase"));
        await ProduceAsync(Topics.Prices1m, "BTC", W0.AddMinutes(1), Candle("coinbase", "BTC-USD", W0.AddMinutes(1), 110m, final: true));
        await ProduceAsync(Topics.Consensus1m, "BTC", W0.AddMinutes(1), Consensus(W0.AddMinutes(1), 110m, "coinbase"));
        await ProduceAsync(Topics.Prices1m, "BTC", W0.AddMinutes(2), Candle("coinbase", "BTC-USD", W0.AddMinutes(2), 120m, final: false));
        await ProduceAsync(Topics.Deviation1m, "BTC", W0, Deviation(W0, 101m, 102m));
        await ProduceAsync(Topics.Deviation1m, "BTC", W0.AddMinutes(1), Deviation(W0.AddMinutes(1), 111m, 110m));
        await ProduceAsync(Topics.SignalsCrossover, "BTC", W0.AddMinutes(1), new CrossoverSignal(
            "BTC-USD", CrossoverDirection.Golden, MovingAverageKind.Sma, 5, 20, 106m, 105m, 110m, W0.AddMinutes(1), W0.AddMinutes(2)));

        // Composed as `up` composes it when Database:ConnectionString is empty.
        var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(new PipelineSettings(PipelineStages.Api, bootstrap))
            .AddSingleton(typeof(Microsoft.Extensions.Logging.ILogger<>), typeof(NullLogger<>))
            .AddDashboard(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Database:ConnectionString"] = string.Empty }).Build());
        await using var provider = services.BuildServiceProvider();
        var sources = provider.GetRequiredService<DashboardSources>();
        Assert.Null(sources.Database);
        Assert.Same(sources.Topics, sources.Preferred);
        var store = provider.GetRequiredService<TopicHistoryStore>();
        await store.StartAsync(CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var ct = timeout.Token;

        var candles = await sources.Topics.CandlesAsync("BTC", TimeSpan.FromHours(1), ct);
        Assert.Equal("topics", candles.History.Name);
        Assert.Equal(W0.AddMinutes(1), candles.To);
        Assert.Equal(
            [(W0.ToUnixTimeSeconds(), 102m, true), (W0.AddMinutes(1).ToUnixTimeSeconds(), 110m, true), (W0.AddMinutes(2).ToUnixTimeSeconds(), 120m, false)],
            candles.Candles.Select(c => (c.Time, c.Close, c.Final)));

        // W0 is made of the final candles (not the provisional 50) of the USD-most quote per source (USDT, not EUR, for binance).
        var w0 = candles.Candles[0];
        Assert.Equal(["binance", "coinbase"], w0.Sources);
        Assert.Equal((100m + 104m) / 2 - 1, w0.Open);
        Assert.Equal([(W0.ToUnixTimeSeconds(), 104m, true)], candles.Sources["binance"].Select(p => (p.Time, p.Close, p.Final)));

        var deviation = await sources.Topics.DeviationAsync("BTC", TimeSpan.FromHours(1), ct);
        Assert.Equal([101m, 111m], deviation.Points.Select(p => p.OraclePrice));
        Assert.Equal("topics", deviation.History.Name);
        var signal = Assert.Single(await sources.Topics.SignalsAsync("BTC", TimeSpan.FromHours(24), ct));
        Assert.Equal((CrossoverDirection.Golden, 110m), (signal.Direction, signal.Close));

        // Nothing older than the look-back was read, even for the longest range.
        var day = await sources.Topics.CandlesAsync("BTC", TimeSpan.FromHours(24), ct);
        Assert.DoesNotContain(day.Candles, c => c.Time == Old.ToUnixTimeSeconds());

        // Then it follows: W2 closes and the history has it without a restart.
        await ProduceAsync(Topics.Prices1m, "BTC", W0.AddMinutes(2), Candle("coinbase", "BTC-USD", W0.AddMinutes(2), 121m, final: true));
        await ProduceAsync(Topics.Consensus1m, "BTC", W0.AddMinutes(2), Consensus(W0.AddMinutes(2), 121m, "coinbase"));
        await Eventually.HoldsAsync(
            async () => (await sources.Topics.CandlesAsync("BTC", TimeSpan.FromHours(1), ct)).Candles[^1] is { Close: 121m, Final: true },
            "the window closed after the read-back in the history");
        var latest = Assert.Single(await sources.Topics.LatestAsync(["BTC"], ct));
        Assert.Equal((121m, 111m), (latest.Candle?.Close, latest.Deviation?.OraclePrice));

        await store.StopAsync(CancellationToken.None);
    }

    private static Candle Candle(string source, string symbol, DateTimeOffset start, decimal close, bool final) =>
        new(source, symbol, TickKind.Trade, start, start.AddMinutes(1), close - 1, close + 1, close - 2, close, close, 1m, 3, Coverage.Complete, final);

    private static Consensus Consensus(DateTimeOffset start, decimal median, params string[] used) =>
        new("BTC-USD", start, start.AddMinutes(1), null, [], median, used, [], "USDT=USD,USDC=USD", Final: true);

    private static Deviation Deviation(DateTimeOffset start, decimal oracle, decimal consensus) =>
        new("BTC-USD", start, start.AddMinutes(1), Sources.Chainlink, 7, oracle, start, 30, consensus, (oracle - consensus) / consensus * 100, null, null);
}
