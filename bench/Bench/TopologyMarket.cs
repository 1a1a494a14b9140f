using System.Globalization;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Bench;

/// <summary>One serialized raw record, ready to pipe into the driver or produce to the broker.</summary>
internal sealed record TopologyRawRecord(string Topic, string Key, byte[] Payload, DateTime Timestamp);

/// <summary>
/// The topology benches' generated market: a random walk per asset, one tick every 10 ms of event time rotating
/// through assets and 6 sources (4 exchanges trading, 2 price APIs quoting), plus a Chainlink round per asset per
/// minute. Deterministic for a given seed.
/// </summary>
internal sealed record TopologyMarket(List<TopologyRawRecord> Records, int Ticks, TimeSpan Span)
{
    private static readonly string[] TickSources = [Sources.Binance, Sources.KuCoin, Sources.Okx, Sources.Coinbase, Sources.CoinGecko, Sources.CoinCap];

    public int OracleRounds => Records.Count - Ticks;

    /// <summary>The tick records only (what the stateless comparison topology reads).</summary>
    public IEnumerable<TopologyRawRecord> TickRecords => Records.Where(r => r.Topic != Topics.RawChainlink);

    public static TopologyMarket Create(int ticks, int assets, int seed)
    {
        var random = new Random(seed);
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var prices = Enumerable.Range(0, assets).Select(a => 10m + (a * 37m)).ToArray();
        var names = Enumerable.Range(0, assets).Select(a => "A" + a.ToString("D3", CultureInfo.InvariantCulture)).ToArray();
        var records = new List<TopologyRawRecord>(ticks + (ticks / 5000 * assets));
        var nextRound = start;
        ulong round = 1;
        for (var i = 0; i < ticks; i++)
        {
            var at = start.AddMilliseconds(i * 10L);
            if (at >= nextRound)
            {
                for (var a = 0; a < assets; a++)
                {
                    var answer = decimal.Round(prices[a] * 1.001m, 8);
                    var oracle = new OracleRound(Sources.Chainlink, names[a] + "-USD", "0x0000000000000000000000000000000000000001", round, answer, 8, at.AddSeconds(-12), at, round, at.AddSeconds(1));
                    records.Add(new TopologyRawRecord(Topics.RawChainlink, names[a], RecordJson.Serialize(oracle), at.UtcDateTime));
                }

                round++;
                nextRound = nextRound.AddMinutes(1);
            }

            var asset = i % assets;
            var source = TickSources[(i / assets) % TickSources.Length];
            prices[asset] = Math.Max(0.01m, decimal.Round(prices[asset] * (1m + ((decimal)(random.NextDouble() - 0.5) / 500m)), 6));
            var isApi = Sources.IsPriceApi(source);
            var tick = new Tick(source, isApi ? TickKind.Quote : TickKind.Trade, names[asset] + (source == Sources.Coinbase || isApi ? "-USD" : "-USDT"),
                prices[asset], isApi ? 0m : decimal.Round((decimal)random.NextDouble() * 3m, 5), isApi ? TradeSide.Unknown : TradeSide.Buy,
                isApi ? null : i.ToString(CultureInfo.InvariantCulture), at, at.AddMilliseconds(40));
            records.Add(new TopologyRawRecord(Topics.Raw(source), names[asset], RecordJson.Serialize(tick), at.UtcDateTime));
        }

        return new TopologyMarket(records, ticks, TimeSpan.FromMilliseconds(ticks * 10L));
    }
}
