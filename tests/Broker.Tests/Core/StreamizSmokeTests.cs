using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Table;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>Streamiz exactly-once against the broker, stopped and started again mid-stream.</summary>
public sealed class StreamizSmokeTests
{
    [Fact]
    public async Task Exactly_once_count_survives_a_restart()
    {
        // Streamiz keeps the logger factory of the last StreamBuilder in a static: a factory disposed here would break
        // the next Streamiz test in this assembly, so use the shared null factory.
        var logs = NullLoggerFactory.Instance;
        await using var broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, GroupInitialRebalanceDelay = TimeSpan.Zero }, logs);
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync([
                new TopicSpecification { Name = "words", NumPartitions = 2, ReplicationFactor = 1 },
                new TopicSpecification { Name = "counts", NumPartitions = 2, ReplicationFactor = 1 },
            ]);
        }

        using var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = broker.BootstrapServers }).Build();
        void Produce(int from, int to)
        {
            for (var i = from; i < to; i++)
            {
                producer.Produce("words", new Message<string, string> { Key = "w" + (i % 5), Value = "x" });
            }

            producer.Flush();
        }

        var latest = new Dictionary<string, long>();
        using var reader = new ConsumerBuilder<string, string>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "verify",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            IsolationLevel = IsolationLevel.ReadCommitted,
        }).Build();
        reader.Subscribe("counts");
        bool Reached(long each)
        {
            while (reader.Consume(TimeSpan.FromMilliseconds(100)) is { } r)
            {
                latest[r.Message.Key] = long.Parse(r.Message.Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            return latest.Count == 5 && latest.Values.All(v => v == each);
        }

        Produce(0, 500);
        await using (var first = Start(broker.BootstrapServers, logs))
        {
            await first.StartAsync();
            await Eventually.HoldsAsync(() => Reached(100), "first run counted 100 per key", TimeSpan.FromSeconds(60));
        }

        Produce(500, 1000);
        await using (var second = Start(broker.BootstrapServers, logs))
        {
            await second.StartAsync();
            await Eventually.HoldsAsync(() => Reached(200), "second run counted 200 per key", TimeSpan.FromSeconds(60));
        }
    }

    private static AsyncStream Start(string bootstrap, ILoggerFactory logs)
    {
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = "wordcount",
            BootstrapServers = bootstrap,
            Guarantee = ProcessingGuarantee.EXACTLY_ONCE,
            CommitIntervalMs = 200,
            AutoOffsetReset = AutoOffsetReset.Earliest,
            SessionTimeoutMs = 6000,
            Logger = logs,
            StateDir = Path.Combine(Path.GetTempPath(), "streamiz-" + Guid.NewGuid().ToString("N")),
        };
        var builder = new StreamBuilder();
        builder.Stream<string, string>("words")
            .GroupByKey()
            .Count(InMemory.As<string, long>("word-counts"))
            .ToStream()
            .MapValues((count, _) => count.ToString(System.Globalization.CultureInfo.InvariantCulture))
            .To<StringSerDes, StringSerDes>("counts");
        return new AsyncStream(new KafkaStream(builder.Build(), config));
    }

    private sealed class AsyncStream(KafkaStream stream) : IAsyncDisposable
    {
        public Task StartAsync() => stream.StartAsync();

        public ValueTask DisposeAsync()
        {
            stream.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
