using CryptoStreams.TestSupport.Reference;
using FsCheck.Xunit;

namespace CryptoStreams.Topology.Tests;

/// <summary>
/// Issue 8: every store can live in RocksDB (<see cref="StateStoreKind.RocksDb"/>) instead of memory. The same
/// specifications hold with RocksDB stores in a temporary state directory — which also proves the native
/// RocksDB library loads here (the package is the NU1603 substitute 11.12.0.7641 of what Streamiz asks for).
/// </summary>
public sealed class RocksDbStoreTests : IDisposable
{
    private readonly string stateDir = Directory.CreateTempSubdirectory("topology-rocksdb-").FullName;

    public void Dispose() => Directory.Delete(stateDir, recursive: true);

    [Fact]
    public void With_the_RocksDB_option_every_store_is_a_RocksDB_database_in_the_state_dir()
    {
        using var driver = new TopologyDriver(new TopologyOptions { StateStore = StateStoreKind.RocksDb }, stateDir);
        driver.Pipe(GoldenSampleTests.ReadSample().Take(5).ToList());

        // RocksDB names its manifest CURRENT; one database directory per store, named after the store.
        var databases = Directory.EnumerateFiles(stateDir, "CURRENT", SearchOption.AllDirectories)
            .Select(f => Path.GetFileName(Path.GetDirectoryName(f)!))
            .Order(StringComparer.Ordinal)
            .ToList();
        Assert.Equal(CryptoTopology.StoreNames.Order(StringComparer.Ordinal), databases);
    }

    [Fact]
    public void The_golden_sample_through_RocksDB_stores_agrees_with_the_reference()
    {
        var records = GoldenSampleTests.ReadSample();
        using var driver = new TopologyDriver(new TopologyOptions { EmitProvisionalCandles = false, StateStore = StateStoreKind.RocksDb }, stateDir);
        driver.Pipe(records);

        var reference = NaiveMarketReference.Run([.. records.Select(r => r.Input)], new ReferenceParameters { ProvisionalCandles = false });
        Assert.NotEmpty(reference.Deviations);
        Assert.Equal(reference.Prices, driver.Prices());
        Assert.Equal(reference.Consensus, driver.Consensus());
        Assert.Equal(reference.Deviations, driver.Deviations());
        Assert.Equal(reference.Signals, driver.Signals());
        Assert.Equal(reference.DeadLetters, driver.DeadLetters().Select(d => new ReferenceDeadLetter(d.Key, d.Value.Source, d.Value.Reason, d.Value.Topic!, d.Value.Payload)));
    }

    [Property(Arbitrary = [typeof(ScenarioArbitrary)], MaxTest = 12)]
    public void With_RocksDB_stores_the_topology_writes_what_the_naive_reference_predicts(Scenario scenario) =>
        ReferenceProperties.AssertAgreesWithReference(scenario, StateStoreKind.RocksDb, Directory.CreateDirectory(Path.Combine(stateDir, Guid.NewGuid().ToString("N"))).FullName);
}
