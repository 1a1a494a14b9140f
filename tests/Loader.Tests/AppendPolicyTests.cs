using CryptoStreams.Loader.Writing;

namespace CryptoStreams.Loader.Tests;

public class AppendPolicyTests
{
    [Fact]
    public void A_table_appends_until_a_batch_conflicts_then_upserts_for_a_while_then_tries_again()
    {
        var policy = new AppendPolicy();
        Assert.True(policy.ShouldAppend("market.candles_1m"));

        policy.Record("market.candles_1m", appended: false);
        var skipped = 0;
        while (!policy.ShouldAppend("market.candles_1m"))
        {
            policy.Record("market.candles_1m", appended: false);
            skipped++;
        }

        Assert.Equal(AppendPolicy.UpsertBatchesAfterConflict, skipped);
        Assert.True(policy.ShouldAppend("market.trades"));
    }
}
