using System.Text;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Loader.Writing;

/// <summary>
/// Turns consumed bytes into rows: the one place that knows which topic feeds which table, and what a row must
/// satisfy before PostgreSQL sees it (a value the database would reject would otherwise stall every batch after it).
/// </summary>
internal static class RecordMapper
{
    /// <summary>Reason codes written to <c>dlq.loader</c>.</summary>
    public static class Reasons
    {
        public const string NullValue = "null-value";
        public const string Unparseable = "unparseable";
        public const string InvalidText = "invalid-text";
        public const string MissingTradeId = "missing-trade-id";
        public const string UnknownTopic = "unknown-topic";

        /// <summary>The database refused the row: <c>database-</c> and the SQLSTATE, e.g. <c>database-23514</c> for a CHECK.</summary>
        public static string RefusedByDatabase(string sqlState) => "database-" + sqlState;
    }

    /// <summary>Whether the loader writes this topic to a table (the transformed topics, venue candles and the raw exchange trades).</summary>
    public static bool IsLoadable(string topic) =>
        Topics.Transformed.Contains(topic, StringComparer.Ordinal) || topic == Topics.RawCandles || RawTradeTopics.Contains(topic, StringComparer.Ordinal);

    /// <summary>Raw topics whose trades go to <c>market.trades</c> when raw loading is switched on.</summary>
    public static readonly IReadOnlyList<string> RawTradeTopics = [.. Sources.Exchanges.Select(Topics.Raw)];

    /// <summary>Adds the record's row to <paramref name="batch"/>; returns why it cannot, or null.</summary>
    public static MappingFailure? MapInto(LoadBatch batch, ConsumedRecord record)
    {
        if (record.Value is null)
        {
            return new(Reasons.NullValue, "the record has no value (tombstone); the loader only appends and updates rows");
        }

        try
        {
            switch (record.Topic)
            {
                case Topics.Prices1m or Topics.RawCandles:
                    var candles = record.Topic == Topics.RawCandles ? CandlesTable.Venue : CandlesTable.Instance;
                    var rows = batch.RowsOf(candles);
                    if (batch.DirectReaders && CandleJsonRows.TryWrite(record.Value, rows.BeginRow()))
                    {
                        rows.EndRow(record);
                        return null;
                    }

                    // What the direct reader declines (unusual spellings, malformed records) takes the serializer.
                    rows.AbandonRow();
                    var candle = RecordJson.Deserialize<Candle>(record.Value);
                    candle = candle with { WindowStart = Normalize(candle.WindowStart), WindowEnd = Normalize(candle.WindowEnd) };
                    return CheckText(candle.Source, candle.Symbol) ?? Add(batch, candles, candle, record);

                case Topics.Consensus1m:
                    var consensus = RecordJson.Deserialize<Consensus>(record.Value);
                    consensus = consensus with { WindowStart = Normalize(consensus.WindowStart), WindowEnd = Normalize(consensus.WindowEnd) };
                    return CheckText([consensus.Symbol, consensus.StablecoinPolicy, .. consensus.ApiSources, .. consensus.SourcesUsed,
                               .. consensus.SourcesExcluded.SelectMany(e => new[] { e.Source, e.Reason })])
                        ?? Add(batch, ConsensusTable.Instance, consensus, record);

                case Topics.Deviation1m:
                    var deviation = RecordJson.Deserialize<Deviation>(record.Value);
                    deviation = deviation with
                    {
                        WindowStart = Normalize(deviation.WindowStart),
                        WindowEnd = Normalize(deviation.WindowEnd),
                        OracleUpdatedAt = Normalize(deviation.OracleUpdatedAt),
                    };
                    return CheckText(deviation.Symbol, deviation.OracleSource) ?? Add(batch, DeviationTable.Instance, deviation, record);

                case Topics.SignalsCrossover:
                    var signal = RecordJson.Deserialize<CrossoverSignal>(record.Value);
                    signal = signal with { WindowStart = Normalize(signal.WindowStart), WindowEnd = Normalize(signal.WindowEnd) };
                    return CheckText(signal.Symbol) ?? Add(batch, CrossoversTable.Instance, signal, record);

                case var raw when RawTradeTopics.Contains(raw, StringComparer.Ordinal):
                    var tick = RecordJson.Deserialize<Tick>(record.Value);
                    if (tick.TradeId is null)
                    {
                        return new(Reasons.MissingTradeId, $"a {tick.Kind} tick from {tick.Source} has no trade id, which is part of market.trades' key");
                    }

                    tick = tick with { EventTime = Normalize(tick.EventTime), ReceiveTime = Normalize(tick.ReceiveTime) };
                    return CheckText(tick.Source, tick.Symbol, tick.TradeId) ?? Add(batch, TradesTable.Instance, tick, record);

                default:
                    return new(Reasons.UnknownTopic, $"the loader has no table for topic '{record.Topic}'");
            }
        }
        catch (RecordFormatException ex)
        {
            return new(Reasons.Unparseable, ex.Message);
        }
    }

    /// <summary>
    /// UTC at PostgreSQL's resolution (microseconds): two records that differ only below a microsecond are one key
    /// in the table, so they must be one key in the batch too.
    /// </summary>
    internal static DateTimeOffset Normalize(DateTimeOffset time)
    {
        var utc = time.ToUniversalTime();
        return utc.AddTicks(-(utc.Ticks % 10));
    }

    private static MappingFailure? Add<TRow>(LoadBatch batch, TableSpec<TRow> spec, TRow row, ConsumedRecord origin)
    {
        var rows = batch.RowsOf(spec);
        spec.WriteRow(rows.BeginRow(), row);
        rows.EndRow(origin);
        return null;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static MappingFailure? CheckText(params IEnumerable<string> values)
    {
        foreach (var value in values)
        {
            if (value.Contains('\0', StringComparison.Ordinal))
            {
                return new(Reasons.InvalidText, $"text '{value.Replace("\0", "\\0", StringComparison.Ordinal)}' contains a NUL character, which PostgreSQL text cannot store");
            }

            try
            {
                StrictUtf8.GetByteCount(value);
            }
            catch (EncoderFallbackException)
            {
                return new(Reasons.InvalidText, "text contains an unpaired UTF-16 surrogate, which has no UTF-8 encoding");
            }
        }

        return null;
    }
}
