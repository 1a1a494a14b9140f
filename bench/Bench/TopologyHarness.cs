using System.Diagnostics;
using System.Globalization;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.Topology;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Bench;

/// <summary>
/// The full CryptoStreams topology through Streamiz's TopologyTestDriver on a generated market (N ticks over
/// A assets from 6 sources — 4 exchanges, 2 price APIs — plus a Chainlink round per asset per minute), and a
/// stateless Filter + MapValues topology over the same ticks in the same run; prints both rates and the ratio.
/// Usage: <c>topology [ticks=1000000] [assets=50]</c>.
/// </summary>
public sealed class TopologyHarness : IHarness
{
    private const int Chunk = 1000;

    public string Name => "topology";

    public string Description => "full topology vs stateless Filter+MapValues on TopologyTestDriver (args: ticks assets)";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var ticks = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var assets = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 50;
        Console.WriteLine($"generating {ticks:N0} ticks over {assets} assets from 6 sources, plus oracle rounds ...");
        var market = GeneratedMarket.Create(ticks, assets, seed: 42);
        Console.WriteLine($"{market.Records.Count:N0} raw records ({market.Records.Count - ticks:N0} oracle rounds), event time span {market.Span}");

        var stateless = RunStateless(market, cancellationToken);
        var full = RunFull(market, cancellationToken);
        Console.WriteLine();
        Console.WriteLine($"ratio full / stateless = {full / stateless:0.00}");
        return Task.FromResult(0);
    }

    private static double RunFull(GeneratedMarket market, CancellationToken cancellationToken)
    {
        var runtime = new TopologyRuntime();
        var builder = new StreamBuilder();
        CryptoTopology.Build(builder, new TopologyOptions(), runtime);
        using var driver = new TopologyTestDriver(builder.Build(), Config("bench-full"));
        var inputs = CryptoTopology.InputTopics.ToDictionary(t => t, t => driver.CreateInputTopic(t, new StringSerDes(), new ByteArraySerDes()));
        var rate = Pipe("full topology", market, (topic, key, payload, ts) => inputs[topic].PipeInput(key, payload, ts), cancellationToken);
        var s = runtime.Status;
        Console.WriteLine($"  outputs: {s.Candles:N0} candles, {s.Consensus:N0} consensus, {s.Deviations:N0} deviations, {s.Signals:N0} signals, {s.DeadLetters:N0} dead letters ({s.LateRecords:N0} late), {s.WindowsClosed:N0} windows closed");
        return rate;
    }

    private static double RunStateless(GeneratedMarket market, CancellationToken cancellationToken)
    {
        long written = 0;
        var builder = new StreamBuilder();
        var ticks = new RecordSerDes<Tick>();
        foreach (var topic in Topics.RawTicks)
        {
            builder.Stream(topic, new StringSerDes(), ticks, $"read-{topic}")
                .Filter((_, t, _) => t.Price > 0, $"filter-{topic}")
                .MapValues((t, _) => t with { Symbol = t.Symbol }, $"map-{topic}")
                .Peek((_, _, _) => written++, $"count-{topic}")
                .To("bench.stateless", new StringSerDes(), ticks, $"write-{topic}");
        }

        using var driver = new TopologyTestDriver(builder.Build(), Config("bench-stateless"));
        var inputs = Topics.RawTicks.ToDictionary(t => t, t => driver.CreateInputTopic(t, new StringSerDes(), new ByteArraySerDes()));
        var rate = Pipe("stateless Filter+MapValues (ticks only)", market with { Records = [.. market.Records.Where(r => r.Topic != Topics.RawChainlink)] },
            (topic, key, payload, ts) => inputs[topic].PipeInput(key, payload, ts), cancellationToken);
        Console.WriteLine($"  outputs: {written:N0}");
        return rate;
    }

    private static double Pipe(string what, GeneratedMarket market, Action<string, string, byte[], DateTime> pipe, CancellationToken cancellationToken)
    {
        var perRecordMicros = new List<double>();
        var total = Stopwatch.StartNew();
        var chunk = new Stopwatch();
        for (var i = 0; i < market.Records.Count; i += Chunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var end = Math.Min(i + Chunk, market.Records.Count);
            chunk.Restart();
            for (var j = i; j < end; j++)
            {
                var r = market.Records[j];
                pipe(r.Topic, r.Key, r.Payload, r.Timestamp);
            }

            perRecordMicros.Add(chunk.Elapsed.TotalMicroseconds / (end - i));
        }

        total.Stop();
        perRecordMicros.Sort();
        var rate = market.Records.Count / total.Elapsed.TotalSeconds;
        Console.WriteLine($"{what}: {market.Records.Count:N0} records in {total.Elapsed.TotalSeconds:0.0} s = {rate:N0} rec/s; "
            + $"per record over {Chunk}-record chunks p50 {Percentile(perRecordMicros, 0.50):0.0} µs, p99 {Percentile(perRecordMicros, 0.99):0.0} µs");
        return rate;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[(int)Math.Min(sorted.Count - 1, Math.Floor(p * sorted.Count))];

    private static StreamConfig<StringSerDes, StringSerDes> Config(string id) => new()
    {
        ApplicationId = id,
        Logger = NullLoggerFactory.Instance,
    };

    private sealed record RawRecord(string Topic, string Key, byte[] Payload, DateTime Timestamp);

    /// <summary>A random-walk market: one tick every 10 ms of event time, rotating through assets and sources.</summary>
    private sealed record GeneratedMarket(List<RawRecord> Records, TimeSpan Span)
    {
        private static readonly string[] TickSources = [Sources.Binance, Sources.KuCoin, Sources.Okx, Sources.Coinbase, Sources.CoinGecko, Sources.CoinCap];

        public static GeneratedMarket Create(int ticks, int assets, int seed)
        {
            var random = new Random(seed);
            var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
            var prices = Enumerable.Range(0, assets).Select(a => 10m + (a * 37m)).ToArray();
            var names = Enumerable.Range(0, assets).Select(a => "A" + a.ToString("D3", CultureInfo.InvariantCulture)).ToArray();
            var records = new List<RawRecord>(ticks + (ticks / 5000 * assets));
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
                        records.Add(new RawRecord(Topics.RawChainlink, names[a], RecordJson.Serialize(oracle), at.UtcDateTime));
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
                records.Add(new RawRecord(Topics.Raw(source), names[asset], RecordJson.Serialize(tick), at.UtcDateTime));
            }

            return new GeneratedMarket(records, TimeSpan.FromMilliseconds(ticks * 10L));
        }
    }
}
