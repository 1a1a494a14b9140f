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

    /// <summary>
    /// The sinks leave partitioning to the producer (see <see cref="KeyPartitionedSink"/>): with several partitions
    /// every output record of an asset must still land on one partition — the one its input records were on, as
    /// input and output topics have the same partition count — so per-asset order holds for consumers.
    /// </summary>
    [Fact]
    public async Task Every_output_record_lands_on_the_partition_of_its_asset()
    {
        const int partitions = 4;
        await using var broker = await StartBrokerAsync(partitions);
        var sample = GoldenSampleTests.ReadSample();
        var expected = NaiveMarketReference.Run([.. sample.Select(s => s.Input)], new ReferenceParameters { ProvisionalCandles = false });
        await using (var host = await StartTopologyAsync(broker, "topology-it-" + Guid.NewGuid().ToString("N"), stateDir))
        {
            await ProduceAsync(broker, sample);
            var inputPartitions = await PartitionsByKeyAsync(broker, CryptoTopology.InputTopics, sample.Count);
            var outputPartitions = await PartitionsByKeyAsync(broker, [Topics.Prices1m, Topics.Consensus1m, Topics.Deviation1m], expected.Consensus.Count + expected.Deviations.Count);

            Assert.True(inputPartitions.Values.Distinct().Count() > 1, "the sample's assets should spread over several partitions");
            foreach (var (asset, used) in outputPartitions)
            {
                Assert.Equal(inputPartitions[asset], used);
            }
        }
    }

    /// <summary>
    /// In <c>up</c> the loader and the broker stop right after the topology, so the host's stop must return only once
    /// the stream is closed. It used to return while Streamiz was still closing on another thread (a stop closed the
    /// stream through the start token and the service's own close returned at once), and the stream threads then
    /// met a stopped broker.
    /// </summary>
    [Fact]
    public async Task Stopping_the_host_returns_only_once_the_stream_is_closed()
    {
        await using var broker = await StartBrokerAsync();
        await using var topology = await StartTopologyAsync(broker, "topology-it-" + Guid.NewGuid().ToString("N"), stateDir);
        var sample = GoldenSampleTests.ReadSample();
        using var stopProducing = new CancellationTokenSource();

        // Stopped while busy, as `up` is: the sample again and again (after the first pass its ticks are late and go
        // to the dead-letter topic, which keeps the stream writing too).
        var producing = Task.Run(async () =>
        {
            while (!stopProducing.IsCancellationRequested)
            {
                await ProduceAsync(broker, sample);
            }
        });
        await Eventually.HoldsAsync(() => topology.Status.WindowsClosed > 0, "a window closed", TimeSpan.FromSeconds(60));

        await topology.StopAsync();
        var stateAfterStop = topology.Status.State;
        await stopProducing.CancelAsync();
        await producing;

        Assert.Equal("NOT_RUNNING", stateAfterStop);
    }

    /// <summary>Reads the topics until <paramref name="atLeast"/> records arrived; each key's set of partitions.</summary>
    private static async Task<Dictionary<string, string>> PartitionsByKeyAsync(EmbeddedBroker broker, IReadOnlyList<string> topics, int atLeast)
    {
        using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
        {
            BootstrapServers = broker.BootstrapServers,
            GroupId = "topology-it-partitions-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).Build();
        consumer.Subscribe(topics);
        var seen = new Dictionary<string, SortedSet<int>>(StringComparer.Ordinal);
        var count = 0;
        await Eventually.HoldsAsync(
            () =>
            {
                while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                {
                    count++;
                    if (!seen.TryGetValue(result.Message.Key, out var set))
                    {
                        seen[result.Message.Key] = set = [];
                    }

                    set.Add(result.Partition.Value);
                }

                return count >= atLeast;
            },
            $"{atLeast} records on {string.Join(", ", topics)}",
            TimeSpan.FromSeconds(90));
        consumer.Close();
        return seen.ToDictionary(kv => kv.Key, kv => string.Join(',', kv.Value), StringComparer.Ordinal);
    }

    internal static async Task<EmbeddedBroker> StartBrokerAsync(int partitions = 1)
    {
        var broker = await EmbeddedBroker.StartAsync(new BrokerOptions
        {
            Port = 0,
            AutoCreateTopics = true,
            DefaultPartitions = partitions,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            FsyncPolicy = FsyncPolicy.Never,
        });
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build();
        await admin.CreateTopicsAsync(TopicCatalog.All(partitions).Select(t => new Confluent.Kafka.Admin.TopicSpecification { Name = t.Name, NumPartitions = partitions, ReplicationFactor = 1 }));
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
        // Partitioned like the extractors' sink (KafkaSinkOptions): murmur2 of the asset key.
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, EnableIdempotence = false, Partitioner = Partitioner.Murmur2Random }).Build();
        foreach (var (input, timestamp) in records)
        {
            await producer.ProduceAsync(input.Topic, new Message<string, byte[]> { Key = input.Key!, Value = input.Payload, Timestamp = new Timestamp(timestamp) });
        }
    }

    /// <summary>Stops the host (a clean KafkaStream close: commit, leave the group) when disposed.</summary>
    internal sealed class RunningTopology(IHost host) : IAsyncDisposable
    {
        private bool stopped;

        /// <summary>The stream's state (Streamiz's state names) and counters, as the service reports them.</summary>
        public TopologyStatus Status => host.Services.GetRequiredService<TopologyStatus>();

        public async Task StopAsync()
        {
            if (!stopped)
            {
                stopped = true;
                await host.StopAsync();
            }
        }

        public async ValueTask DisposeAsync()
        {
            await StopAsync();
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
