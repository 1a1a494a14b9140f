using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport.Reference;

namespace CryptoStreams.Topology.Tests;

/// <summary>
/// Issue 8: with RocksDB stores a topology stopped cleanly and started again on the same state directory
/// continues exactly where it left off — open windows, oracle history and the moving averages of the crossover
/// detector — against the embedded broker, without duplicating or losing an output record.
/// </summary>
public sealed class RocksDbRestartTests : IDisposable
{
    private const int Minutes = 60;
    private const int CutMinute = 30;

    private static readonly Dictionary<string, string?> RocksDbSettings = new(StringComparer.Ordinal)
    {
        ["Topology:StateStore"] = nameof(StateStoreKind.RocksDb),
    };

    private readonly string stateDir = Directory.CreateTempSubdirectory("topology-rocksdb-restart-").FullName;

    public void Dispose() => Directory.Delete(stateDir, recursive: true);

    [Fact]
    public async Task A_restart_on_the_same_RocksDB_state_dir_continues_the_open_window_and_the_moving_averages_without_duplicates()
    {
        await using var broker = await EmbeddedBrokerTests.StartBrokerAsync();
        var market = CrossingMarket();
        var parameters = new ReferenceParameters { ProvisionalCandles = false };
        var expected = NaiveMarketReference.Run([.. market.Select(m => m.Input)], parameters);
        var before = market.Where(m => m.Timestamp < Market.At(CutMinute)).ToList();
        var expectedBefore = NaiveMarketReference.Run([.. before.Select(m => m.Input)], parameters);

        // The claim needs crossovers after the cut whose long average reaches back before it.
        var signalsAfterCut = expected.Signals.Count - expectedBefore.Signals.Count;
        Assert.True(expectedBefore.Signals.Count > 0 && signalsAfterCut > 0, $"{expectedBefore.Signals.Count} signals before the cut, {signalsAfterCut} after");

        using var reader = new EmbeddedBrokerTests.OutputReader(broker.BootstrapServers);
        var applicationId = "topology-rocksdb-restart-" + Guid.NewGuid().ToString("N");
        await using (await EmbeddedBrokerTests.StartTopologyAsync(broker, applicationId, stateDir, RocksDbSettings))
        {
            await EmbeddedBrokerTests.ProduceAsync(broker, before);
            await reader.WaitForAsync(expectedBefore.Consensus.Count, expectedBefore.Deviations.Count, expectedBefore.Signals.Count);
        }

        // The stopped instance left its stores as RocksDB databases in the state directory for the next one.
        var databases = Directory.EnumerateFiles(stateDir, "CURRENT", SearchOption.AllDirectories).Select(f => Path.GetFileName(Path.GetDirectoryName(f)!));
        Assert.Equal(CryptoTopology.StoreNames.Order(StringComparer.Ordinal), databases.Order(StringComparer.Ordinal));

        await using (await EmbeddedBrokerTests.StartTopologyAsync(broker, applicationId, stateDir, RocksDbSettings))
        {
            await EmbeddedBrokerTests.ProduceAsync(broker, market.Skip(before.Count));
            await reader.WaitForAsync(expected.Consensus.Count, expected.Deviations.Count, expected.Signals.Count);
        }

        Assert.Equal(expected.Consensus.Select(c => c.Value), reader.Consensus);
        Assert.Equal(expected.Deviations.Select(d => d.Value), reader.Deviations);
        Assert.Equal(expected.Signals.Select(s => s.Value), reader.Signals);
    }

    /// <summary>
    /// An hour of BTC whose price swings in a 12-minute cycle, so the 5- and 20-window averages cross several
    /// times: a Coinbase trade and a CoinGecko quote at second 30 of every minute (each closes the window before
    /// it), and a Chainlink round at second 0.
    /// </summary>
    private static List<(ReferenceInput Input, DateTimeOffset Timestamp)> CrossingMarket()
    {
        var records = new List<(ReferenceInput, DateTimeOffset)>();
        for (var minute = 0; minute < Minutes; minute++)
        {
            var price = decimal.Round(60_000m + (1_500m * (decimal)Math.Sin(minute * Math.PI / 6)) + (minute * 20m), 2);
            var round = Market.Round("BTC-USD", (ulong)minute + 1, price + 12.5m, Market.At(minute));
            records.Add((new ReferenceInput(Topics.RawChainlink, "BTC", RecordJson.Serialize(round)), round.UpdatedAt));
            var trade = Market.Trade(Sources.Coinbase, "BTC-USD", price, 0.25m, Market.At(minute, 30));
            records.Add((new ReferenceInput(Topics.RawCoinbase, "BTC", RecordJson.Serialize(trade)), trade.EventTime));
            var quote = Market.Quote(Sources.CoinGecko, "BTC-USD", price + 4m, Market.At(minute, 30));
            records.Add((new ReferenceInput(Topics.RawCoinGecko, "BTC", RecordJson.Serialize(quote)), quote.EventTime));
        }

        return records;
    }
}
