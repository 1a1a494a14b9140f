using CryptoStreams.Schema;
using static CryptoStreams.Archive.Parquet.ArchiveColumns;

namespace CryptoStreams.Archive.Parquet;

/// <summary>
/// Which raw topics the archive keeps and the Parquet table of each: every <c>raw.*</c> topic of the catalog. Column
/// names are the records' fields in snake case; enums are their lower-case names, as on the topics.
/// </summary>
public static class ArchiveTables
{
    /// <summary>The archived topics: the tick topics of every source, oracle rounds, gaps and the venues' candles.</summary>
    public static IReadOnlyList<string> Topics { get; } = [.. CryptoStreams.Schema.Topics.RawTicks, CryptoStreams.Schema.Topics.RawChainlink, CryptoStreams.Schema.Topics.RawGaps, CryptoStreams.Schema.Topics.RawCandles];

    internal static IArchiveTable Ticks { get; } = new ArchiveTable<Tick>(
        "tick",
        (v, i) => new Tick(
            v.Text("source", i), v.Enum<TickKind>("kind", i), v.Text("symbol", i), v.Decimal("price", i), v.Decimal("size", i), v.Enum<TradeSide>("side", i),
            v.NullableText("trade_id", i), v.Timestamp("event_time", i), v.Timestamp("receive_time", i)),
        Text<Tick>("source", r => r.Record.Source),
        Text<Tick>("kind", r => Lower(r.Record.Kind)),
        Text<Tick>("symbol", r => r.Record.Symbol),
        ExactDecimal<Tick>("price", r => r.Record.Price),
        ExactDecimal<Tick>("size", r => r.Record.Size),
        Text<Tick>("side", r => Lower(r.Record.Side)),
        Text<Tick>("trade_id", r => r.Record.TradeId, nullable: true),
        Timestamp<Tick>("event_time", r => r.Record.EventTime),
        Timestamp<Tick>("receive_time", r => r.Record.ReceiveTime));

    internal static IArchiveTable OracleRounds { get; } = new ArchiveTable<OracleRound>(
        "oracle_round",
        (v, i) => new OracleRound(
            v.Text("source", i), v.Text("symbol", i), v.Text("feed_address", i), v.UInt128("round_id", i), v.Decimal("answer", i), v.Int32("decimals", i),
            v.Timestamp("started_at", i), v.Timestamp("updated_at", i), v.UInt128("answered_in_round", i), v.Timestamp("receive_time", i)),
        Text<OracleRound>("source", r => r.Record.Source),
        Text<OracleRound>("symbol", r => r.Record.Symbol),
        Text<OracleRound>("feed_address", r => r.Record.FeedAddress),
        // uint80 on chain, UInt128 in the record: wider than any Parquet integer, so its decimal digits.
        Text<OracleRound>("round_id", r => r.Record.RoundId.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ExactDecimal<OracleRound>("answer", r => r.Record.Answer),
        Int32<OracleRound>("decimals", r => r.Record.Decimals),
        Timestamp<OracleRound>("started_at", r => r.Record.StartedAt),
        Timestamp<OracleRound>("updated_at", r => r.Record.UpdatedAt),
        Text<OracleRound>("answered_in_round", r => r.Record.AnsweredInRound.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        Timestamp<OracleRound>("receive_time", r => r.Record.ReceiveTime));

    internal static IArchiveTable Gaps { get; } = new ArchiveTable<Gap>(
        "gap",
        (v, i) => new Gap(
            v.Text("source", i), v.Text("symbol", i), v.Timestamp("from", i), v.Timestamp("to", i), v.Int64("backfilled", i), v.Enum<GapCoverage>("coverage", i),
            v.Text("detail", i), v.Timestamp("detected_at", i)),
        Text<Gap>("source", r => r.Record.Source),
        Text<Gap>("symbol", r => r.Record.Symbol),
        Timestamp<Gap>("from", r => r.Record.From),
        Timestamp<Gap>("to", r => r.Record.To),
        Int64<Gap>("backfilled", r => r.Record.Backfilled),
        Text<Gap>("coverage", r => Lower(r.Record.Coverage)),
        Text<Gap>("detail", r => r.Record.Detail),
        Timestamp<Gap>("detected_at", r => r.Record.DetectedAt));

    internal static IArchiveTable Candles { get; } = new ArchiveTable<Candle>(
        "candle",
        (v, i) => new Candle(
            v.Text("source", i), v.Text("symbol", i), v.Enum<TickKind>("kind", i), v.Timestamp("window_start", i), v.Timestamp("window_end", i),
            v.Decimal("open", i), v.Decimal("high", i), v.Decimal("low", i), v.Decimal("close", i), v.Decimal("vwap", i), v.Decimal("volume", i),
            v.Int64("count", i), v.Enum<Coverage>("coverage", i), v.Boolean("final", i)),
        Text<Candle>("source", r => r.Record.Source),
        Text<Candle>("symbol", r => r.Record.Symbol),
        Text<Candle>("kind", r => Lower(r.Record.Kind)),
        Timestamp<Candle>("window_start", r => r.Record.WindowStart),
        Timestamp<Candle>("window_end", r => r.Record.WindowEnd),
        ExactDecimal<Candle>("open", r => r.Record.Open),
        ExactDecimal<Candle>("high", r => r.Record.High),
        ExactDecimal<Candle>("low", r => r.Record.Low),
        ExactDecimal<Candle>("close", r => r.Record.Close),
        ExactDecimal<Candle>("vwap", r => r.Record.Vwap),
        ExactDecimal<Candle>("volume", r => r.Record.Volume),
        Int64<Candle>("count", r => r.Record.Count),
        Text<Candle>("coverage", r => Lower(r.Record.Coverage)),
        Boolean<Candle>("final", r => r.Record.Final));

    /// <summary>The table a topic is archived as; throws for a topic the archive does not keep.</summary>
    internal static IArchiveTable For(string topic) => topic switch
    {
        CryptoStreams.Schema.Topics.RawChainlink => OracleRounds,
        CryptoStreams.Schema.Topics.RawGaps => Gaps,
        CryptoStreams.Schema.Topics.RawCandles => Candles,
        _ when CryptoStreams.Schema.Topics.RawTicks.Contains(topic, StringComparer.Ordinal) => Ticks,
        _ => throw new ArgumentException($"{topic} is not an archived topic", nameof(topic)),
    };

    private static string Lower<TEnum>(TEnum value)
        where TEnum : struct, Enum => value.ToString().ToLowerInvariant();
}
