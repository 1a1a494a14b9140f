using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.Extractors.Kafka;
using CryptoStreams.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Tests.Kafka;

/// <summary>The newest event time on the raw topics, read from the embedded broker (where the simulated market resumes).</summary>
public sealed class KafkaPublishedEventTimeTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Base = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private EmbeddedBroker _broker = null!;

    public async Task InitializeAsync()
    {
        _broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(
            new[] { Topics.RawBinance, Topics.RawChainlink, Topics.RawGaps }.Select(t => new TopicSpecification { Name = t, NumPartitions = 3, ReplicationFactor = 1 }));
    }

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private KafkaPublishedEventTime Reader() =>
        new(Options.Create(new KafkaSinkOptions { BootstrapServers = _broker.BootstrapServers }), NullLogger<KafkaPublishedEventTime>.Instance);

    [Fact]
    public async Task Empty_raw_topics_have_no_latest_event_time()
    {
        Assert.Null(await Reader().LatestAsync(CancellationToken.None));
    }

    /// <summary>
    /// Only each partition's last record is read (the simulated market appends in event-time order), and the answer
    /// is the newest of those, whichever topic and partition holds it; raw.gaps (not a price stream) does not count.
    /// </summary>
    [Fact]
    public async Task The_latest_event_time_is_the_newest_last_record_of_the_tick_and_oracle_topics()
    {
        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = _broker.BootstrapServers }).Build();
        async Task Send(string topic, int partition, int minutes) =>
            await producer.ProduceAsync(new TopicPartition(topic, partition), new Message<string, string> { Key = "BTC", Value = "{}", Timestamp = new Timestamp(Base.AddMinutes(minutes)) });

        await Send(Topics.RawBinance, 0, 50);
        await Send(Topics.RawBinance, 0, 10);
        await Send(Topics.RawBinance, 1, 30);
        await Send(Topics.RawChainlink, 2, 20);
        await Send(Topics.RawChainlink, 2, 40);
        await Send(Topics.RawGaps, 0, 500);

        // The last records: binance/0 at 10, binance/1 at 30, chainlink/2 at 40.
        Assert.Equal(Base.AddMinutes(40), await Reader().LatestAsync(CancellationToken.None));
    }
}
