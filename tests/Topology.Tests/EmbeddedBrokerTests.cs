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
        await using var broker = await EmbeddedBroker.StartAsync(new BrokerOptions
        {
            Port = 0,
            AutoCreateTopics = true,
            DefaultPartitions = 1,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            FsyncPolicy = FsyncPolicy.Never,
        });
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = broker.BootstrapServers }).Build())
        {
            await admin.CreateTopicsAsync(TopicCatalog.All(1).Select(t => new Confluent.Kafka.Admin.TopicSpecification { Name = t.Name, NumPartitions = 1, ReplicationFactor = 1 }));
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kafka:BootstrapServers"] = broker.BootstrapServers,
            ["Topology:ApplicationId"] = "topology-it-" + Guid.NewGuid().ToString("N"),
            ["Topology:StateDir"] = stateDir,
            ["Topology:CommitInterval"] = "00:00:00.100",
            ["Topology:EmitProvisionalCandles"] = "false",
        }).Build();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCryptoTopology(configuration);
        using var host = builder.Build();
        var status = host.Services.GetRequiredService<TopologyStatus>();
        await host.StartAsync();
        try
        {
            await Eventually.HoldsAsync(() => status.State == "RUNNING", "the stream is running", TimeSpan.FromSeconds(60));
            var sample = GoldenSampleTests.ReadSample();
            using (var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = broker.BootstrapServers, EnableIdempotence = false }).Build())
            {
                foreach (var (input, timestamp) in sample)
                {
                    await producer.ProduceAsync(input.Topic, new Message<string, byte[]> { Key = input.Key!, Value = input.Payload, Timestamp = new Timestamp(timestamp) });
                }
            }

            var expected = NaiveMarketReference.Run([.. sample.Select(s => s.Input)], new ReferenceParameters { ProvisionalCandles = false });
            var consensus = new List<Consensus>();
            var deviations = new List<Deviation>();
            using var consumer = new ConsumerBuilder<string, byte[]>(new ConsumerConfig
            {
                BootstrapServers = broker.BootstrapServers,
                GroupId = "topology-it-reader",
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            }).Build();
            consumer.Subscribe([Topics.Consensus1m, Topics.Deviation1m]);
            await Eventually.HoldsAsync(
                () =>
                {
                    while (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { } result)
                    {
                        if (result.Topic == Topics.Consensus1m)
                        {
                            consensus.Add(RecordJson.Deserialize<Consensus>(result.Message.Value));
                        }
                        else
                        {
                            deviations.Add(RecordJson.Deserialize<Deviation>(result.Message.Value));
                        }
                    }

                    return consensus.Count >= expected.Consensus.Count && deviations.Count >= expected.Deviations.Count;
                },
                "consensus and deviations on the broker",
                TimeSpan.FromSeconds(90));

            Assert.Equal(expected.Consensus.Select(c => c.Value), consensus);
            Assert.Equal(expected.Deviations.Select(d => d.Value), deviations);
        }
        finally
        {
            await host.StopAsync();
        }
    }
}
