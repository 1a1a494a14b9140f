using System.Net.Sockets;
using System.Text;
using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;
using CryptoStreams.Broker.Tests.Wire;

namespace CryptoStreams.Broker.Tests.Fuzz;

/// <summary>
/// Thousands of damaged request frames over raw sockets. Afterwards the broker still serves a real client, the
/// records produced before are intact, and they are intact again after a restart on the same data directory.
/// </summary>
public sealed class ProtocolFuzzTests : IDisposable
{
    private const int Cases = 4_000;
    private const int Parallelism = 16;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("broker-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Fact]
    public async Task Mutated_frames_do_not_crash_the_broker_or_corrupt_its_data()
    {
        var seed = Environment.TickCount;
        List<ObservedRecord> baseline;
        await using (var broker = await KafkaEndpoint.StartEmbeddedBrokerAsync(_dataDirectory))
        {
            await broker.CreateTopicAsync("precious", 2);
            await broker.CreateTopicAsync("target", 1);
            using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers, CompressionType.Gzip)).Build())
            {
                for (var i = 0; i < 200; i++)
                {
                    producer.Produce(new TopicPartition("precious", i % 2), new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes($"k{i}"), Value = Encoding.UTF8.GetBytes($"v{i}") });
                }

                Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
            }

            baseline = await ReadPreciousAsync(broker);
            Assert.Equal(200, baseline.Count);

            var seeds = SeedFrames();
            var outcomes = new int[3];
            await Parallel.ForEachAsync(
                Enumerable.Range(0, Cases),
                new ParallelOptions { MaxDegreeOfParallelism = Parallelism },
                async (i, _) =>
                {
                    var mutator = new FrameMutator(new Random(seed + i));
                    var frame = mutator.Mutate(seeds[i % seeds.Count]);
                    Interlocked.Increment(ref outcomes[(int)await SendOneAsync(broker.BootstrapServers, frame)]);
                });

            // Every outcome is acceptable for a damaged frame; what matters is what follows.
            Assert.Equal(Cases, outcomes.Sum());
            await AssertServesRealClientsAsync(broker, seed);
            Assert.Equal(baseline, await ReadPreciousAsync(broker));
        }

        await using var restarted = await KafkaEndpoint.StartEmbeddedBrokerAsync(_dataDirectory);
        Assert.Equal(baseline, await ReadPreciousAsync(restarted));
        await AssertServesRealClientsAsync(restarted, seed + 1);
    }

    /// <summary>Valid frames of each kind a client sends, as the starting points of mutation.</summary>
    private static List<byte[]> SeedFrames()
    {
        var batch = Requests.RecordBatch(["fuzz-1", "fuzz-2", "fuzz-3"], 1_700_000_000_000);
        return
        [
            Requests.ApiVersionsV0(1),
            Requests.MetadataV1(2, null),
            Requests.MetadataV1(3, ["target", "precious"]),
            Requests.ProduceV3(4, "target", 0, batch),
            Requests.ProduceV3(5, "target", 0, batch, acks: 0),
            Requests.FetchV4(6, "precious", 0, 0),
            Requests.FetchV4(7, "target", 0, 0),
            Requests.ListOffsetsV1(8, "precious", 1, -1),
            Requests.InitProducerIdV0(9),
        ];
    }

    private enum Outcome
    {
        Answered = 0,
        Closed = 1,
        StillOpen = 2,
    }

    /// <summary>Sends one frame, says it is done sending, and reads until the broker closes or a short timeout.</summary>
    private static async Task<Outcome> SendOneAsync(string bootstrapServers, byte[] frame)
    {
        try
        {
            using var connection = await RawConnection.OpenAsync(bootstrapServers);
            await connection.SendAsync(frame);
            using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
            try
            {
                await connection.ReceiveAsync(timeout.Token);
                return Outcome.Answered;
            }
            catch (OperationCanceledException)
            {
                return Outcome.StillOpen;
            }
        }
        catch (Exception e) when (e is IOException or SocketException or EndOfStreamException)
        {
            return Outcome.Closed;
        }
    }

    private static async Task<List<ObservedRecord>> ReadPreciousAsync(KafkaEndpoint broker) =>
        [.. (await Read.AllAsync(broker.BootstrapServers, "precious", 2)).OrderBy(r => r.Partition).ThenBy(r => r.Offset)];

    private static async Task AssertServesRealClientsAsync(KafkaEndpoint broker, int seed)
    {
        var topic = $"after-fuzz-{seed}";
        await broker.CreateTopicAsync(topic, 1);
        using (var producer = new ProducerBuilder<byte[]?, byte[]?>(ClientConfigs.Producer(broker.BootstrapServers)).Build())
        {
            var report = await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes("still serving") });
            Assert.Equal(0, report.Offset.Value);
        }

        Assert.Equal(["still serving"], (await Read.AllAsync(broker.BootstrapServers, topic, 1)).Select(r => r.Value));
    }
}
