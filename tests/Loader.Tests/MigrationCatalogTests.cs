using CryptoStreams.Loader.Schema;

namespace CryptoStreams.Loader.Tests;

public class MigrationCatalogTests
{
    [Theory]
    [InlineData(StorageMode.PostgreSql)]
    [InlineData(StorageMode.TimescaleDb)]
    public void Each_mode_has_one_migration_per_version_in_increasing_order_starting_at_one(StorageMode mode)
    {
        var versions = MigrationCatalog.For(mode).Select(m => m.Version).ToList();
        Assert.Equal(1, versions[0]);
        Assert.Equal(versions.Order(), versions);
        Assert.Equal(versions.Count, versions.Distinct().Count());
    }

    [Fact]
    public void Every_version_up_to_the_latest_is_used_by_some_mode()
    {
        // A mode may skip a version the other one uses (0003 is TimescaleDB only), but no number is lost.
        var versions = MigrationCatalog.All.Select(m => m.Version).Distinct().Order().ToList();
        Assert.Equal(Enumerable.Range(1, versions.Count), versions);
    }

    [Fact]
    public void The_TimescaleDB_path_makes_hypertables_policies_and_continuous_aggregates_of_every_market_table()
    {
        var sql = string.Join('\n', MigrationCatalog.For(StorageMode.TimescaleDb).Select(m => m.Sql));
        foreach (var table in new[] { "trades", "candles_1m", "consensus_1m", "oracle_deviation", "crossover_signals" })
        {
            Assert.Contains($"create_hypertable('market.{table}'", sql, StringComparison.Ordinal);
        }

        Assert.Contains("add_compression_policy", sql, StringComparison.Ordinal);
        Assert.Contains("add_retention_policy", sql, StringComparison.Ordinal);
        Assert.Contains("market.candles_1h", sql, StringComparison.Ordinal);
        Assert.Contains("market.candles_1d", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("USING brin", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plain_path_never_touches_TimescaleDB()
    {
        var sql = string.Join('\n', MigrationCatalog.For(StorageMode.PostgreSql).Select(m => m.Sql));
        Assert.DoesNotContain("CREATE EXTENSION", sql, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("timescaledb.", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("create_hypertable", sql, StringComparison.Ordinal);
        Assert.DoesNotContain("time_bucket", sql, StringComparison.Ordinal);
        Assert.Contains("USING brin", sql, StringComparison.Ordinal);
    }

    [Fact]
    public void Continuous_aggregates_run_outside_a_transaction_one_statement_at_a_time()
    {
        var aggregates = Assert.Single(MigrationCatalog.All, m => m.Sql.Contains("timescaledb.continuous", StringComparison.Ordinal));
        Assert.False(aggregates.Transactional);
        Assert.Equal(4, aggregates.Statements.Count);
        Assert.All(aggregates.Statements, s => Assert.DoesNotContain(";\n", s, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("1_x.sql")]
    [InlineData("0001-x.sql")]
    [InlineData("0001_x.mysql.sql")]
    public void A_misnamed_migration_file_is_rejected_with_the_naming_rule(string fileName)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Migration.Parse(fileName, "SELECT 1"));
        Assert.Contains("NNNN_name.sql", error.Message, StringComparison.Ordinal);
    }
}
