using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Loader.Tests.Support;

/// <summary>
/// The naive model of what the tables must hold after a stream is loaded once, fault-free: records applied one at a
/// time in consumption order, latest version per key wins, except that a provisional window never replaces a final
/// one. Times are compared in UTC at PostgreSQL's microsecond resolution. Offsets: one past the last record per partition.
/// </summary>
public static class ReferenceLoader
{
    public static MarketSnapshot Expected(IEnumerable<ConsumedRecord> records)
    {
        var candles = new Dictionary<string, Candle>();
        var consensus = new Dictionary<string, Consensus>();
        var deviations = new Dictionary<string, Deviation>();
        var crossovers = new Dictionary<string, CrossoverSignal>();
        var trades = new Dictionary<string, Tick>();
        var venueCandles = new Dictionary<string, Candle>();
        var offsets = new Dictionary<TopicPartitionKey, long>();
        foreach (var record in records)
        {
            offsets[record.Source] = record.Offset + 1;
            if (!TryRead(record, out var value))
            {
                continue;
            }

            switch (value)
            {
                case Candle c:
                    c = c with { WindowStart = Utc(c.WindowStart), WindowEnd = Utc(c.WindowEnd) };
                    var ck = MarketSnapshot.Key(c.WindowStart, c.Symbol, c.Source);
                    var table = record.Topic == Topics.RawCandles ? venueCandles : candles;
                    if (!table.TryGetValue(ck, out var storedCandle) || c.Final || !storedCandle.Final)
                    {
                        table[ck] = c;
                    }

                    break;
                case Consensus s:
                    s = s with { WindowStart = Utc(s.WindowStart), WindowEnd = Utc(s.WindowEnd) };
                    var sk = MarketSnapshot.Key(s.WindowStart, s.Symbol);
                    if (!consensus.TryGetValue(sk, out var storedConsensus) || s.Final || !storedConsensus.Final)
                    {
                        consensus[sk] = s;
                    }

                    break;
                case Deviation d:
                    d = d with { WindowStart = Utc(d.WindowStart), WindowEnd = Utc(d.WindowEnd), OracleUpdatedAt = Utc(d.OracleUpdatedAt) };
                    deviations[MarketSnapshot.Key(d.WindowStart, d.Symbol, d.OracleSource)] = d;
                    break;
                case CrossoverSignal x:
                    x = x with { WindowStart = Utc(x.WindowStart), WindowEnd = Utc(x.WindowEnd) };
                    crossovers[MarketSnapshot.Key(x.WindowStart, x.Symbol, x.Average, x.ShortLength, x.LongLength)] = x;
                    break;
                case Tick t:
                    t = t with { EventTime = Utc(t.EventTime), ReceiveTime = Utc(t.ReceiveTime) };
                    trades[MarketSnapshot.Key(t.EventTime, t.Source, t.Symbol, t.TradeId!)] = t;
                    break;
            }
        }

        return new MarketSnapshot(candles, consensus, deviations, crossovers, trades, venueCandles, offsets);
    }

    private static bool TryRead(ConsumedRecord record, out object value)
    {
        value = null!;
        try
        {
            value = record.Topic switch
            {
                Topics.Prices1m or Topics.RawCandles => RecordJson.Deserialize<Candle>(record.Value),
                Topics.Consensus1m => RecordJson.Deserialize<Consensus>(record.Value),
                Topics.Deviation1m => RecordJson.Deserialize<Deviation>(record.Value),
                Topics.SignalsCrossover => RecordJson.Deserialize<CrossoverSignal>(record.Value),
                _ => RecordJson.Deserialize<Tick>(record.Value),
            };
            return true;
        }
        catch (RecordFormatException)
        {
            return false;
        }
    }

    private static DateTimeOffset Utc(DateTimeOffset time) => new(time.UtcTicks / 10 * 10, TimeSpan.Zero);
}
