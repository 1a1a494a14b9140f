using CryptoStreams.Schema;
using FsCheck;
using FsCheck.Fluent;

namespace CryptoStreams.Schema.Tests;

/// <summary>FsCheck generators for every record, with decimals across the whole range of scales.</summary>
public static class RecordGenerators
{
    private static readonly DateTimeOffset Min = new(2009, 1, 3, 0, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Max = new(2100, 1, 1, 0, 0, 0, TimeSpan.Zero);

    // Any 96-bit mantissa with any scale: covers 0.00000001, 123456789.123456789 and decimal.MaxValue.
    public static Gen<decimal> AnyDecimal { get; } =
        from lo in ArbMap.Default.GeneratorFor<int>()
        from mid in Gen.OneOf(Gen.Constant(0), ArbMap.Default.GeneratorFor<int>())
        from hi in Gen.OneOf(Gen.Constant(0), Gen.Constant(0), ArbMap.Default.GeneratorFor<int>())
        from negative in ArbMap.Default.GeneratorFor<bool>()
        from scale in Gen.Choose(0, 28)
        select new decimal(lo, mid, hi, negative, (byte)scale);

    public static Gen<decimal> Price { get; } = AnyDecimal.Select(Math.Abs).Where(p => p > 0);

    public static Gen<DateTimeOffset> UtcTime { get; } =
        Between(Min.UtcTicks, Max.UtcTicks).Select(t => new DateTimeOffset(t, TimeSpan.Zero));

    public static Gen<string> Text { get; } =
        ArbMap.Default.GeneratorFor<NonNull<string>>().Select(s => s.Get);

    public static Gen<string> Symbol { get; } =
        from b in Gen.Elements("BTC", "ETH", "LINK", "SOL", "1INCH")
        from q in Gen.Elements("USD", "USDT", "USDC", "EUR")
        select $"{b}-{q}";

    public static Gen<UInt128> RoundId { get; } =
        from hi in ArbMap.Default.GeneratorFor<ulong>()
        from lo in ArbMap.Default.GeneratorFor<ulong>()
        select new UInt128(hi >> 48, lo); // uint80

    // FsCheck's Gen.Choose is int-only; spread a random ulong over a long range (shrinking is not needed here).
    public static Gen<long> Between(long min, long max) =>
        ArbMap.Default.GeneratorFor<ulong>().Select(u => min + (long)(u % (ulong)(max - min + 1)));

    public static Gen<T> EnumValue<T>() where T : struct, Enum => Gen.Elements(Enum.GetValues<T>());

    public static Arbitrary<Tick> Tick() => (
        from source in Gen.Elements(Sources.TickSources.ToArray())
        from kind in EnumValue<TickKind>()
        from symbol in Symbol
        from price in Price
        from size in AnyDecimal.Select(Math.Abs)
        from side in EnumValue<TradeSide>()
        from tradeId in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(s => (string?)s))
        from eventTime in UtcTime
        from receiveTime in UtcTime
        select new Tick(source, kind, symbol, price, size, side, tradeId, eventTime, receiveTime)).ToArbitrary();

    public static Arbitrary<OracleRound> OracleRound() => (
        from symbol in Symbol
        from address in Text
        from round in RoundId
        from answer in Price
        from decimals in Gen.Choose(0, 18)
        from started in UtcTime
        from updated in UtcTime
        from answeredIn in RoundId
        from received in UtcTime
        select new OracleRound(Sources.Chainlink, symbol, address, round, answer, decimals, started, updated, answeredIn, received)).ToArbitrary();

    public static Arbitrary<Candle> Candle() => (
        from source in Gen.Elements(Sources.TickSources.ToArray())
        from symbol in Symbol
        from kind in EnumValue<TickKind>()
        from start in UtcTime
        from prices in Gen.ArrayOf(Price, 5)
        from volume in AnyDecimal.Select(Math.Abs)
        from count in ArbMap.Default.GeneratorFor<long>()
        from coverage in EnumValue<Coverage>()
        from final in ArbMap.Default.GeneratorFor<bool>()
        select new Candle(source, symbol, kind, start, start.AddMinutes(1), prices[0], prices[1], prices[2], prices[3], prices[4], volume, count, coverage, final)).ToArbitrary();

    public static Arbitrary<Consensus> Consensus() => (
        from symbol in Symbol
        from start in UtcTime
        from apiMean in Gen.OneOf(Gen.Constant<decimal?>(null), Price.Select(p => (decimal?)p))
        from apis in Gen.ListOf(Gen.Elements(Sources.PriceApis.ToArray()))
        from median in Gen.OneOf(Gen.Constant<decimal?>(null), Price.Select(p => (decimal?)p))
        from used in Gen.ListOf(Gen.Elements(Sources.TickSources.ToArray()))
        from excluded in Gen.ListOf(
            from s in Gen.Elements(Sources.TickSources.ToArray())
            from p in Price
            from r in Text
            select new ExcludedSource(s, p, r))
        from policy in Text
        from final in ArbMap.Default.GeneratorFor<bool>()
        select new Consensus(symbol, start, start.AddMinutes(1), apiMean, apis.ToArray(), median, used.ToArray(), excluded.ToArray(), policy, final)).ToArbitrary();

    public static Arbitrary<Deviation> Deviation() => (
        from symbol in Symbol
        from start in UtcTime
        from round in RoundId
        from oracle in Price
        from updated in UtcTime
        from staleness in Gen.Choose(0, 86_400).Select(s => s + 0.25)
        from consensus in Price
        from deviation in AnyDecimal
        from apiMean in Gen.OneOf(Gen.Constant<decimal?>(null), Price.Select(p => (decimal?)p))
        from apiDeviation in Gen.OneOf(Gen.Constant<decimal?>(null), AnyDecimal.Select(p => (decimal?)p))
        select new Deviation(symbol, start, start.AddMinutes(1), Sources.Chainlink, round, oracle, updated, staleness, consensus, deviation, apiMean, apiDeviation)).ToArbitrary();

    public static Arbitrary<CrossoverSignal> CrossoverSignal() => (
        from symbol in Symbol
        from direction in EnumValue<CrossoverDirection>()
        from average in EnumValue<MovingAverageKind>()
        from shortLength in Gen.Choose(1, 50)
        from longLength in Gen.Choose(2, 200)
        from prices in Gen.ArrayOf(Price, 3)
        from start in UtcTime
        select new CrossoverSignal(symbol, direction, average, shortLength, longLength, prices[0], prices[1], prices[2], start, start.AddMinutes(1))).ToArbitrary();

    public static Arbitrary<DeadLetter> DeadLetter() => (
        from stage in Gen.Elements("extractors", "topology", "loader")
        from source in Text
        from reason in Text
        from error in Text
        from payload in ArbMap.Default.GeneratorFor<byte[]>().Where(b => b is not null)
        from topic in Gen.OneOf(Gen.Constant<string?>(null), Text.Select(s => (string?)s))
        from partition in Gen.OneOf(Gen.Constant<int?>(null), Gen.Choose(0, 64).Select(p => (int?)p))
        from offset in Gen.OneOf(Gen.Constant<long?>(null), Between(0, long.MaxValue).Select(p => (long?)p))
        from time in UtcTime
        select new DeadLetter(stage, source, reason, error, payload, topic, partition, offset, time)).ToArbitrary();

    public static Arbitrary<Gap> Gap() => (
        from source in Gen.Elements(Sources.Exchanges.ToArray())
        from symbol in Symbol
        from from_ in UtcTime
        from to in UtcTime
        from backfilled in Between(0, 1_000_000)
        from coverage in EnumValue<GapCoverage>()
        from detail in Text
        from detected in UtcTime
        select new Gap(source, symbol, from_, to, backfilled, coverage, detail, detected)).ToArbitrary();
}
