using CryptoStreams.TestSupport.Reference;

namespace CryptoStreams.Topology.Tests;

/// <summary>
/// Issue 8: state lives in changelogged Streamiz stores, so a restart continues where it left off. A second
/// instance with the same application id but an empty state directory restores the stores from the changelog
/// topics on the embedded broker and finishes the windows the first instance left open.
/// </summary>
public sealed class RestartAgainstEmbeddedBrokerTests : IDisposable
{
    private readonly string firstStateDir = Directory.CreateTempSubdirectory("topology-restart-a-").FullName;
    private readonly string secondStateDir = Directory.CreateTempSubdirectory("topology-restart-b-").FullName;

    public void Dispose()
    {
        Directory.Delete(firstStateDir, recursive: true);
        Directory.Delete(secondStateDir, recursive: true);
    }

    [Fact]
    public async Task A_new_instance_with_an_empty_state_dir_restores_the_stores_and_continues_the_open_windows()
    {
        await using var broker = await EmbeddedBrokerTests.StartBrokerAsync();
        var sample = GoldenSampleTests.ReadSample();
        var parameters = new ReferenceParameters { ProvisionalCandles = false };
        var expected = NaiveMarketReference.Run([.. sample.Select(s => s.Input)], parameters);

        // Cut the input in the middle, so windows (and moving averages) are open across the restart.
        // The first cut from the middle on after which some windows have closed and others are still to close.
        var cut = Enumerable.Range(sample.Count / 2, sample.Count - (sample.Count / 2)).First(k =>
            NaiveMarketReference.Run([.. sample.Take(k).Select(s => s.Input)], parameters).Consensus.Count is var closed && closed > 0 && closed < expected.Consensus.Count);
        var before = sample.Take(cut).ToList();
        var expectedBefore = NaiveMarketReference.Run([.. before.Select(s => s.Input)], parameters);

        using var reader = new EmbeddedBrokerTests.OutputReader(broker.BootstrapServers);
        var applicationId = "topology-restart-" + Guid.NewGuid().ToString("N");
        await using (await EmbeddedBrokerTests.StartTopologyAsync(broker, applicationId, firstStateDir))
        {
            await EmbeddedBrokerTests.ProduceAsync(broker, before);
            await reader.WaitForAsync(expectedBefore.Consensus.Count, expectedBefore.Deviations.Count);
        }

        await using (await EmbeddedBrokerTests.StartTopologyAsync(broker, applicationId, secondStateDir))
        {
            await EmbeddedBrokerTests.ProduceAsync(broker, sample.Skip(before.Count));
            await reader.WaitForAsync(expected.Consensus.Count, expected.Deviations.Count);
        }

        Assert.Equal(expected.Consensus.Select(c => c.Value), reader.Consensus);
        Assert.Equal(expected.Deviations.Select(d => d.Value), reader.Deviations);
    }
}
