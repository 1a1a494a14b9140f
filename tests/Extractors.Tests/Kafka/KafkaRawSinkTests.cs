using Confluent.Kafka;
using CryptoStreams.Extractors.Kafka;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Tests.Kafka;

public sealed class KafkaRawSinkTests
{
    private static readonly DateTimeOffset EventTime = new(2026, 1, 5, 12, 0, 0, 123, TimeSpan.Zero);

    private static Tick Tick(int id) =>
        new(Sources.Binance, TickKind.Trade, "BTC-USDT", 60_000.12345678m, 0.001m, TradeSide.Buy, id.ToString(System.Globalization.CultureInfo.InvariantCulture), EventTime, EventTime.AddMilliseconds(3));

    [Fact]
    public void The_producer_is_idempotent_waits_for_all_replicas_and_compresses()
    {
        var config = new KafkaSinkOptions { BootstrapServers = "127.0.0.1:1" }.ToProducerConfig();
        Assert.True(config.EnableIdempotence);
        Assert.Equal(Acks.All, config.Acks);
        Assert.Equal(CompressionType.Lz4, config.CompressionType);
        Assert.Equal(CompressionType.Zstd, new KafkaSinkOptions { Compression = "zstd" }.ToProducerConfig().CompressionType);
    }

    [Fact]
    public async Task Publishing_waits_when_the_in_flight_bound_is_reached_and_failed_deliveries_are_counted_and_release_it()
    {
        // Nothing listens on this port: records stay unacknowledged until librdkafka gives up on them.
        var options = new KafkaSinkOptions
        {
            BootstrapServers = "127.0.0.1:" + FreePort.Next(),
            MaxInFlight = 2,
            MessageTimeoutMs = 1000,
            FlushTimeout = TimeSpan.FromSeconds(5),
        };
        await using var sink = new KafkaRawSink(Options.Create(options), ExtractorHostTests.Metrics(), TimeProvider.System, NullLogger<KafkaRawSink>.Instance);

        await sink.PublishTickAsync(Tick(1), CancellationToken.None);
        await sink.PublishTickAsync(Tick(2), CancellationToken.None);
        var third = sink.PublishTickAsync(Tick(3), CancellationToken.None).AsTask();

        Assert.False(third.IsCompleted, "the third record waits for room");
        Assert.Equal(2, sink.InFlight);

        await Eventually.HoldsAsync(() => sink.DeliveryErrors >= 2, "the two records time out and are counted");
        await third.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(0, sink.Delivered);
    }

    [Fact]
    public async Task A_waiting_publish_can_be_cancelled()
    {
        var options = new KafkaSinkOptions { BootstrapServers = "127.0.0.1:" + FreePort.Next(), MaxInFlight = 1, MessageTimeoutMs = 1000, FlushTimeout = TimeSpan.FromSeconds(5) };
        await using var sink = new KafkaRawSink(Options.Create(options), ExtractorHostTests.Metrics(), TimeProvider.System, NullLogger<KafkaRawSink>.Instance);
        await sink.PublishTickAsync(Tick(1), CancellationToken.None);
        using var cts = new CancellationTokenSource();

        var waiting = sink.PublishTickAsync(Tick(2), cts.Token).AsTask();
        Assert.False(waiting.IsCompleted);
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
    }
}
