using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using CryptoStreams.TestSupport.Reference;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoStreams.Topology.Tests;

/// <summary>
/// Issue 14 against the embedded broker: the whole input is on the raw topics before the topology starts (a backlog,
/// as after downtime or under a new application id), read with librdkafka's default fetch sizes and the default
/// 30 s grace. The host learns each input partition's end offset from the broker (<see cref="BrokerInputLag"/>), so
/// windows wait for the topics still being read: the output is the reference's over the records in event-time order,
/// and nothing is late.
/// </summary>
public sealed class BacklogAgainstEmbeddedBrokerTests : IDisposable
{
    private readonly string stateDir = Directory.CreateTempSubdirectory("topology-backlog-").FullName;

    public void Dispose() => Directory.Delete(stateDir, recursive: true);

    /// <summary>Cases of issue 14's determinism matrix: partitions, stream threads, state store, processing guarantee.</summary>
    [Theory]
    [InlineData(1, 1, StateStoreKind.InMemory, false)]
    [InlineData(2, 1, StateStoreKind.InMemory, false)]
    [InlineData(6, 1, StateStoreKind.InMemory, false)]
    [InlineData(6, 2, StateStoreKind.InMemory, false)]
    [InlineData(6, 1, StateStoreKind.RocksDb, false)]
    [InlineData(6, 1, StateStoreKind.InMemory, true)]
    [InlineData(6, 2, StateStoreKind.RocksDb, true)]
    public async Task A_backlog_read_from_every_raw_topic_at_once_gives_the_event_time_reference_with_nothing_late(int partitions, int threads, StateStoreKind store, bool exactlyOnce)
    {
        await using var broker = await EmbeddedBrokerTests.StartBrokerAsync(partitions);
        var sample = GoldenSampleTests.ReadSample().OrderBy(s => s.Timestamp).ToList();
        var expected = NaiveMarketReference.Run([.. sample.Select(s => s.Input)], new ReferenceParameters { ProvisionalCandles = false });
        await EmbeddedBrokerTests.ProduceAsync(broker, sample);

        // What the host's lag source reads: every record of every input, on the partitions the keys hash to.
        var applicationId = "topology-backlog-" + Guid.NewGuid().ToString("N");
        var options = new TopologyOptions { BootstrapServers = broker.BootstrapServers, ApplicationId = applicationId };
        var lag = new BrokerInputLag(options, TimeProvider.System, NullLogger<BrokerInputLag>.Instance);
        using (var stop = new CancellationTokenSource())
        {
            var running = lag.RunAsync(stop.Token);
            var inputPartitions = CryptoTopology.InputTopics.SelectMany(t => Enumerable.Range(0, partitions).Select(p => (Topic: t, Partition: p))).ToList();
            await Eventually.HoldsAsync(
                () => inputPartitions.All(i => lag.TryGet(i.Topic, i.Partition, out _)),
                "the offsets of every input partition", TimeSpan.FromSeconds(30));
            var ends = inputPartitions.Sum(i => lag.TryGet(i.Topic, i.Partition, out var o) ? o.End - o.Low : 0);
            Assert.Equal(sample.Count, ends);
            Assert.True(inputPartitions.All(i => lag.TryGet(i.Topic, i.Partition, out var unread) && unread.Committed == -1), "no offsets committed yet");
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        using var reader = new EmbeddedBrokerTests.OutputReader(broker.BootstrapServers);
        await using var topology = await EmbeddedBrokerTests.StartTopologyAsync(broker, applicationId, stateDir, new Dictionary<string, string?>
        {
            ["Topology:Threads"] = threads.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Topology:StateStore"] = store.ToString(),
            ["Topology:ExactlyOnce"] = exactlyOnce ? "true" : "false",
        });
        try
        {
            await reader.WaitForAsync(expected.Consensus.Count, expected.Deviations.Count);
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"{ex.Message}; topology {topology.Status.State}, {topology.Status.WindowsClosed} windows closed, {topology.Status.Candles} candles, {topology.Status.DeadLetters} dead letters", ex);
        }

        Assert.Equal(0, topology.Status.LateRecords);
        Assert.Equal(Ordered(expected.Consensus.Select(c => c.Value)), Ordered(reader.Consensus));
        Assert.Equal(Ordered(expected.Deviations.Select(d => d.Value)), Ordered(reader.Deviations));
    }

    // Per asset and window: with several partitions the tasks close their windows independently.
    private static List<Consensus> Ordered(IEnumerable<Consensus> records) => [.. records.OrderBy(c => c.Symbol, StringComparer.Ordinal).ThenBy(c => c.WindowStart)];

    private static List<Deviation> Ordered(IEnumerable<Deviation> records) => [.. records.OrderBy(c => c.Symbol, StringComparer.Ordinal).ThenBy(c => c.WindowStart)];
}
