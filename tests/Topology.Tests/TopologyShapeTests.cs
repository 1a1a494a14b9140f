namespace CryptoStreams.Topology.Tests;

public sealed class TopologyShapeTests
{
    [Fact]
    public void The_topology_is_one_sub_topology_with_named_processors_and_stores_and_no_repartition_topic()
    {
        using var driver = new TopologyDriver();
        var description = driver.Topology.Describe();

        Assert.Single(description.SubTopologies);
        var text = description.ToString();
        Assert.DoesNotContain("repartition", text, StringComparison.OrdinalIgnoreCase);
        foreach (var name in new[] { "normalise", "market-windows", "oracle-deviation", "ma-crossover", "write-prices", "write-consensus", "write-deviation", "write-signals", "write-dlq" })
        {
            Assert.Contains(name, text, StringComparison.Ordinal);
        }

        foreach (var store in CryptoTopology.StoreNames)
        {
            Assert.Contains(store, text, StringComparison.Ordinal);
        }

        // Streamiz generates names like KSTREAM-MAPVALUES-0000000012 for anything not named.
        Assert.DoesNotContain("KSTREAM-", text, StringComparison.Ordinal);
    }
}
