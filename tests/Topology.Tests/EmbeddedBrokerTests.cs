using Confluent.Kafka;
using CryptoStreams.Broker;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport;
using CryptoStreams.TestSupport.Reference;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Topology.Tests;

/// <summary>
/// The hosted topology (<c>AddCryptoTopology</c>, a real KafkaStream) against the embedded broker: the golden
/// sample produced to the raw topics comes out of consensus.1m and deviation.1m as the reference predicts.
/// </summary>
public sealed class EmbeddedBrokerTests : IDisposable
{
    private readonly string stateDir = Directory.CreateTempSubdirectory("topology-it-").FullName;

    public void Dispose() => Directory.Delete(stateDir, recursive: true);

    [Fact]
    public async Task The_hosted_topology_turns_the_sample_on_the_broker_into_the_reference_consensus_and_deviations()
    {
        await using var broker = await StartBrokerAsync();
        var sample = GoldenSampleTests.ReadSample();
        var expected = NaiveMarketReference.Run([.. sample.Select(s => s.Input)], new ReferenceParameters { ProvisionalCandles = false });
        using var reader = new OutputReader(broker.BootstrapServers);

        await using (var host = await StartTopologyAsync(broker, "topology-it-" + Guid.NewGuid().ToString("N"), stateDir))
        {
            await ProduceAsync(broker, sample);
            await reader.WaitForAsync(expected.Consensus.Count, expected.Deviations.Count);
        }

        Assert.Equal(expected.Consensus.Select(c => c.Value), reader.Consensus);
        Assert.Equal(expected.Deviations.Select(d => d.Value), reader.Deviations);
    }

    internal static async Task<EmbeddedBroker> StartBrokerAsync()
    {
        var broker = await EmbeddedBroker.StartAsync(new BrokerOptions
        {
            Port = 0,
            AutoCreateTopics = true,
            DefaultPartitions = 1,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            FsyncPolicy = FsyncPolicy.Never,
        });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(TopicCatalog.All(1).Select(t => new Confluent.Kafka.Admin.TopicSpecification { Name = t.Name, NumPartitions = 1, ReplicationFactor = 1 }));
        return broker;
    }

    /// <param name="settings">More <c>Topology:*</c> settings, added to (or replacing) the test defaults.</param>
    internal static async Task<RunningTopology> StartTopologyAsync(EmbeddedBroker broker, string applicationId, string directory, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var values = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Kafka:BootstrapServers"] = broker.BootstrapServers,
            ["Topology:ApplicationId"] = applicationId,
            ["Topology:StateDir"] = directory,
            ["Topology:CommitInterval"] = "00:00:00.100",
            ["Topology:SessionTimeout"] = "00:00:06",
            ["Topology:EmitProvisionalCandles"] = "false",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCryptoTopology(configuration);
        var host = builder.Build();
        var status = host.Services.GetRequiredService<TopologyStatus>();
        var running = new RunningTopology(host);
        try
        {
            await host.StartAsync();
            await Eventually.HoldsAsync(() => status.State == "RUNNING", "the stream is running", TimeSpan.FromSeconds(60));
            return running;
        }
        catch (TimeoutException ex)
        {
            await running.DisposeAsync();
            throw new TimeoutException($"{ex.Message} (state {status.State})", ex);
        }
    }

    internal static async Task ProduceAsync(EmbeddedBroker broker, IEnumerable<(ReferenceInput Input, DateTimeOffset Timestamp)> records)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, EnableIdempotence = false }).Build();
        foreach (var (input, timestamp) in records)
        {
            await producer.ProduceAsync(input.Topic, new Message<string, byte[]> { Key = input.Key!, Value = input.Payload, Timestamp = new Timestamp(timestamp) });
        }
    }

    /// <summary>Stops the host (a clean KafkaStream close: commit, leave the group) when disposed.</summary>
    internal sealed class RunningTopology(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }

    /// <summary>Everything written to consensus.1m, deviation.1m and signals.crossover, read as it arrives.</summary>
    internal sealed class OutputReader : IDisposable
    {
        private readonly IConsumer<string, byte[]> consumer;

        public OutputReader(string bootstrapServers)
        {
            consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = bootstrapServers,
                GroupId = "topology-it-reader-" + Guid.NewGuid().ToString("N"),
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            }).Build();
            consumer.Subscribe([Topics.Consensus1m, Topics.Deviation1m, Topics.SignalsCrossover]);
        }

        public List<Consensus> Consensus { get; } = [];

        public List<Deviation> Deviations { get; } = [];

        public List<CrossoverSignal> Signals { get; } = [];

        public Task WaitForAsync(int consensus, int deviations, int signals = 0) => Eventually.HoldsAsync(
            () =>
            {
                while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                {
                    switch (result.Topic)
                    {
                        case Topics.Consensus1m:
                            Consensus.Add(RecordJson.Deserialize<Consensus>(result.Message.Value));
                            break;
                        case Topics.Deviation1m:
                            Deviations.Add(RecordJson.Deserialize<Deviation>(result.Message.Value));
                            break;
                        default:
                            Signals.Add(RecordJson.Deserialize<CrossoverSignal>(result.Message.Value));
                            break;
                    }
                }

                return Consensus.Count >= consensus && Deviations.Count >= deviations && Signals.Count >= signals;
            },
            $"{consensus} consensus, {deviations} deviation and {signals} signal records on the broker",
            TimeSpan.FromSeconds(90));

        public void Dispose()
        {
            consumer.Close();
            consumer.Dispose();
        }
    }
}
