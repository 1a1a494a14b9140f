using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck;
using FsCheck.Fluent;

namespace CryptoStreams.Loader.Tests.Support;

/// <summary>
/// Generated topic contents for the loader: every record type, few distinct keys (so provisional and final
/// versions of a row meet, in one batch and across batches), decimals of every scale, times in any offset
/// at microsecond precision, and the occasional payload that is not a record.
/// </summary>
public static class LoaderGenerators
{
    public const int Partitions = 3;

    private static readonly DateTimeOffset Origin = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    public static Gen<decimal> AnyDecimal { get; } =
        from lo in ArbMap.Default.GeneratorFor<int>()
        from mid in Gen.OneOf(Gen.Constant(0), ArbMap.Default.GeneratorFor<int>())
        from hi in Gen.OneOf(Gen.Constant(0), Gen.Constant(0), ArbMap.Default.GeneratorFor<int>())
        from negative in ArbMap.Default.GeneratorFor<bool>()
        from scale in Gen.Choose(0, 28)
        select new decimal(lo, mid, hi, negative, (byte)scale);

    /// <summary>A price: market.candles_1m refuses a non-positive open, high, low or close (candles_1m_prices_positive).</summary>
    public static Gen<decimal> Price { get; } = AnyDecimal.Select(Math.Abs).Where(d => d > 0);

    public static Gen<decimal?> MaybeDecimal { get; } = Gen.OneOf(Gen.Constant<decimal?>(null), AnyDecimal.Select(d => (decimal?)d));

    /// <summary>One of a few window starts, written in an arbitrary UTC offset.</summary>
    public static Gen<DateTimeOffset> WindowStart { get; } =
        from minute in Gen.Choose(0, 4)
        from offsetHours in Gen.Choose(-12, 14)
        select Origin.AddMinutes(minute).ToOffset(TimeSpan.FromHours(offsetHours));

    /// <summary>Any instant in ±10 years, with microseconds.</summary>
    public static Gen<DateTimeOffset> AnyTime { get; } =
        from micros in ArbMap.Default.GeneratorFor<long>().Select(l => l % (10L * 365 * 86_400_000_000))
        from offsetMinutes in Gen.Elements(0, 60, -300, 330, 840)
        select Origin.AddTicks(micros * 10).ToOffset(TimeSpan.FromMinutes(offsetMinutes));

    public static Gen<string> Symbol { get; } = Gen.Elements("BTC-USD", "ETH-USDT", "LINK-USD");

    public static Gen<string> Text { get; } =
        ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => s.Get.Replace("\0", string.Empty, StringComparison.Ordinal))
            .Where(s => !s.Any(char.IsSurrogate));

    public static Gen<T> EnumValue<T>()
        where T : struct, Enum => Gen.Elements(Enum.GetValues<T>());

    public static Gen<Candle> Candle { get; } =
        from source in Gen.Elements(Sources.Binance, Sources.Okx, Sources.CoinGecko)
        from symbol in Symbol
        from kind in EnumValue<TickKind>()
        from start in WindowStart
        from prices in Gen.ArrayOf(Price, 4)
        from averageAndVolume in Gen.ArrayOf(AnyDecimal, 2)
        from count in ArbMap.Default.GeneratorFor<long>()
        from coverage in EnumValue<Coverage>()
        from final in ArbMap.Default.GeneratorFor<bool>()
        select new Candle(source, symbol, kind, start, start.AddMinutes(1), prices[0], prices[1], prices[2], prices[3], averageAndVolume[0], averageAndVolume[1], count, coverage, final);

    public static Gen<Consensus> Consensus { get; } =
        from symbol in Symbol
        from start in WindowStart
        from apiMean in MaybeDecimal
        from apis in Gen.ListOf(Gen.Elements(Sources.PriceApis.ToArray()))
        from median in MaybeDecimal
        from used in Gen.ListOf(Text)
        from excluded in Gen.ListOf(
            from s in Text
            from p in AnyDecimal
            from r in Text
            select new ExcludedSource(s, p, r))
        from policy in Text
        from final in ArbMap.Default.GeneratorFor<bool>()
        select new Consensus(symbol, start, start.AddMinutes(1), apiMean, apis.ToArray(), median, used.ToArray(), excluded.ToArray(), policy, final);

    public static Gen<Deviation> Deviation { get; } =
        from symbol in Symbol
        from start in WindowStart
        from hi in ArbMap.Default.GeneratorFor<ulong>()
        from lo in ArbMap.Default.GeneratorFor<ulong>()
        from prices in Gen.ArrayOf(AnyDecimal, 3)
        from updated in AnyTime
        from staleness in ArbMap.Default.GeneratorFor<NormalFloat>().Select(f => f.Get)
        from apiMean in MaybeDecimal
        from apiDeviation in MaybeDecimal
        select new Deviation(symbol, start, start.AddMinutes(1), Sources.Chainlink, new UInt128(hi, lo), prices[0], updated, staleness, prices[1], prices[2], apiMean, apiDeviation);

    public static Gen<CrossoverSignal> Crossover { get; } =
        from symbol in Symbol
        from direction in EnumValue<CrossoverDirection>()
        from average in EnumValue<MovingAverageKind>()
        from shortLength in Gen.Choose(5, 6)
        from prices in Gen.ArrayOf(AnyDecimal, 3)
        from start in WindowStart
        select new CrossoverSignal(symbol, direction, average, shortLength, 20, prices[0], prices[1], prices[2], start, start.AddMinutes(1));

    public static Gen<Tick> Trade { get; } =
        from source in Gen.Elements(Sources.Exchanges.ToArray())
        from symbol in Symbol
        from price in AnyDecimal
        from size in AnyDecimal
        from side in EnumValue<TradeSide>()
        from tradeId in Gen.Choose(1, 20).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))
        from eventTime in WindowStart
        from receiveTime in AnyTime
        select new Tick(source, TickKind.Trade, symbol, price, size, side, tradeId, eventTime, receiveTime);

    /// <summary>A record as it sits on its topic: (topic, key, value).</summary>
    public static Gen<(string Topic, string Asset, byte[] Value)> TopicRecord { get; } = Gen.Frequency(
        (6, Candle.Select(c => (Topics.Prices1m, c.Asset, RecordJson.Serialize(c)))),
        (2, Candle.Select(c => (Topics.RawCandles, c.Asset, RecordJson.Serialize(c)))),
        (2, Consensus.Select(c => (Topics.Consensus1m, c.Asset, RecordJson.Serialize(c)))),
        (2, Deviation.Select(d => (Topics.Deviation1m, d.Asset, RecordJson.Serialize(d)))),
        (1, Crossover.Select(s => (Topics.SignalsCrossover, s.Asset, RecordJson.Serialize(s)))),
        (3, Trade.Select(t => (Topics.Raw(t.Source), t.Asset, RecordJson.Serialize(t)))),
        (1, Gen.Elements(Topics.Transformed.ToArray()).Select(t => (t, "BTC", NotARecord.ToArray()))));

    /// <summary>Valid JSON that is none of the records: the loader dead-letters it as unparseable.</summary>
    public static ReadOnlySpan<byte> NotARecord => "{\"not\":\"a record\"}"u8;

    /// <summary>
    /// A consumed stream: records placed on partitions by asset (as the producers' key does), offsets counted per
    /// partition, in one interleaved consumption order.
    /// </summary>
    public static Gen<IReadOnlyList<ConsumedRecord>> Stream(int minLength, int maxLength) =>
        from length in Gen.Choose(minLength, maxLength)
        from records in Gen.ListOf(TopicRecord, length)
        select Place(records);

    public static IReadOnlyList<ConsumedRecord> Place(IEnumerable<(string Topic, string Asset, byte[] Value)> records)
    {
        var next = new Dictionary<TopicPartitionKey, long>();
        var placed = new List<ConsumedRecord>();
        foreach (var (topic, asset, value) in records)
        {
            var partition = new TopicPartitionKey(topic, PartitionOf(asset));
            var offset = next.GetValueOrDefault(partition);
            next[partition] = offset + 1;
            placed.Add(new ConsumedRecord(topic, partition.Partition, offset, System.Text.Encoding.UTF8.GetBytes(asset), value, DateTimeOffset.UnixEpoch));
        }

        return placed;
    }

    private static int PartitionOf(string asset) => asset switch
    {
        "BTC" => 0,
        "ETH" => 1,
        _ => 2,
    };

    public static T[] SampleOne<T>(Gen<T> gen, int seed, int size = 30) => Gen.Sample(gen, size, new Rnd((ulong)seed), 1);
}
