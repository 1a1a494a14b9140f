using CryptoStreams.Schema;

namespace CryptoStreams.Schema.Tests;

public class TopicCatalogTests
{
    [Fact]
    public void Every_named_topic_is_in_the_catalog_once()
    {
        var names = TopicCatalog.All().Select(t => t.Name).ToList();
        var expected = Topics.RawTicks
            .Concat([Topics.RawChainlink, Topics.RawGaps, Topics.RawCandles])
            .Concat(Topics.Transformed)
            .Concat(Topics.DeadLetters)
            .ToList();

        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(expected.Order(StringComparer.Ordinal), names.Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(6)]
    [InlineData(16)]
    public void All_keyed_topics_share_one_partition_count_so_they_stay_co_partitioned(int partitions)
    {
        Assert.All(TopicCatalog.All(partitions), t => Assert.Equal(partitions, t.Partitions));
    }

    [Fact]
    public void Raw_topic_of_a_source_is_raw_dot_source()
    {
        Assert.Equal(Topics.RawBinance, Topics.Raw(Sources.Binance));
        Assert.Equal(Topics.RawCoinCap, Topics.Raw(Sources.CoinCap));
        Assert.Equal(7, Topics.RawTicks.Count);
    }

    [Fact]
    public void Configs_spell_kafka_settings()
    {
        var prices = TopicCatalog.All().Single(t => t.Name == Topics.Prices1m);

        Assert.Equal("delete", prices.Configs["cleanup.policy"]);
        Assert.Equal((30L * 24 * 60 * 60 * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture), prices.Configs["retention.ms"]);
    }

    [Fact]
    public void Zero_partitions_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TopicCatalog.All(0));
    }
}
