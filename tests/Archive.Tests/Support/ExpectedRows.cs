using System.Globalization;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Archive.Tests.Support;

/// <summary>
/// What a reader should find in the archive for a record on a topic, written out independently of the archive's own
/// column definitions: exact decimals as their text with every digit and the payload's scale, instants in UTC to the
/// microsecond, enums lower case.
/// </summary>
public static class ExpectedRows
{
    public static Dictionary<string, object?> For(TopicRecord r)
    {
        var row = new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["topic"] = r.Topic,
            ["partition"] = r.Partition,
            ["offset"] = r.Offset,
            ["kafka_timestamp"] = Micros(r.Timestamp),
            ["key"] = r.Key,
        };
        switch (r.Topic)
        {
            case Topics.RawChainlink:
                var o = RecordJson.Deserialize<OracleRound>(r.Value);
                Add(row, ("source", o.Source), ("symbol", o.Symbol), ("feed_address", o.FeedAddress), ("round_id", o.RoundId.ToString(CultureInfo.InvariantCulture)),
                    ("answer", Exact(o.Answer)), ("decimals", o.Decimals), ("started_at", Micros(o.StartedAt)), ("updated_at", Micros(o.UpdatedAt)),
                    ("answered_in_round", o.AnsweredInRound.ToString(CultureInfo.InvariantCulture)), ("receive_time", Micros(o.ReceiveTime)));
                break;
            case Topics.RawGaps:
                var g = RecordJson.Deserialize<Gap>(r.Value);
                Add(row, ("source", g.Source), ("symbol", g.Symbol), ("from", Micros(g.From)), ("to", Micros(g.To)), ("backfilled", g.Backfilled),
                    ("coverage", g.Coverage.ToString().ToLowerInvariant()), ("detail", g.Detail), ("detected_at", Micros(g.DetectedAt)));
                break;
            case Topics.RawCandles:
                var c = RecordJson.Deserialize<Candle>(r.Value);
                Add(row, ("source", c.Source), ("symbol", c.Symbol), ("kind", c.Kind.ToString().ToLowerInvariant()), ("window_start", Micros(c.WindowStart)),
                    ("window_end", Micros(c.WindowEnd)), ("open", Exact(c.Open)), ("high", Exact(c.High)), ("low", Exact(c.Low)), ("close", Exact(c.Close)),
                    ("vwap", Exact(c.Vwap)), ("volume", Exact(c.Volume)), ("count", c.Count), ("coverage", c.Coverage.ToString().ToLowerInvariant()), ("final", c.Final));
                break;
            default:
                var t = RecordJson.Deserialize<Tick>(r.Value);
                Add(row, ("source", t.Source), ("kind", t.Kind.ToString().ToLowerInvariant()), ("symbol", t.Symbol), ("price", Exact(t.Price)), ("size", Exact(t.Size)),
                    ("side", t.Side.ToString().ToLowerInvariant()), ("trade_id", t.TradeId), ("event_time", Micros(t.EventTime)), ("receive_time", Micros(t.ReceiveTime)));
                break;
        }

        return row;
    }

    private static void Add(Dictionary<string, object?> row, params (string Name, object? Value)[] values)
    {
        foreach (var (name, value) in values)
        {
            row[name] = value;
        }
    }

    private static string Exact(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    private static DateTime Micros(DateTimeOffset value) => new(value.UtcTicks / 10 * 10, DateTimeKind.Utc);
}
