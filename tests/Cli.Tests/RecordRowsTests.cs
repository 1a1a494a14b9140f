using System.Globalization;
using System.Text;
using CryptoStreams.Cli.Watch;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoStreams.Cli.Tests;

public class RecordRowsTests
{
    private static readonly DateTimeOffset WindowStart = new(2026, 11, 25, 14, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(Topics.RawBinance, nameof(TopicRecordType.Tick))]
    [InlineData(Topics.RawCoinCap, nameof(TopicRecordType.Tick))]
    [InlineData(Topics.RawChainlink, nameof(TopicRecordType.OracleRound))]
    [InlineData(Topics.RawGaps, nameof(TopicRecordType.Gap))]
    [InlineData(Topics.Prices1m, nameof(TopicRecordType.Candle))]
    [InlineData(Topics.Consensus1m, nameof(TopicRecordType.Consensus))]
    [InlineData(Topics.Deviation1m, nameof(TopicRecordType.Deviation))]
    [InlineData(Topics.SignalsCrossover, nameof(TopicRecordType.CrossoverSignal))]
    [InlineData(Topics.DlqLoader, nameof(TopicRecordType.DeadLetter))]
    [InlineData("somebody.elses", nameof(TopicRecordType.Unknown))]
    public void Record_type_follows_from_the_topic_name(string topic, string expected) =>
        Assert.Equal(expected, RecordRows.TypeOf(topic).ToString());

    [Fact]
    public void Every_catalog_topic_has_a_known_record_type() =>
        Assert.All(TopicCatalog.All(), t => Assert.NotEqual(TopicRecordType.Unknown, RecordRows.TypeOf(t.Name)));

    [Property(MaxTest = 200)]
    public Property A_tick_row_shows_symbol_source_and_the_exact_price(decimal price, bool trade)
    {
        var tick = new Tick(Sources.Okx, trade ? TickKind.Trade : TickKind.Quote, "ETH-USDT", Math.Abs(price), trade ? 0.5m : 0m,
            trade ? TradeSide.Sell : TradeSide.Unknown, trade ? "42" : null, WindowStart.AddSeconds(3), WindowStart.AddSeconds(4));

        var row = RecordRows.Format(TopicRecordType.Tick, "ETH", RecordJson.Serialize(tick), tick.EventTime);

        return (row.Symbol == "ETH-USDT"
                && row.Source == Sources.Okx
                && row.Time == "2026-11-25 14:00:03.000"
                && row.PlainValues.Contains(Math.Abs(price).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
                && row.PlainValues.StartsWith(trade ? "trade" : "quote", StringComparison.Ordinal))
            .Label(row.ToString());
    }

    [Theory]
    [InlineData(2.5, "+2.5000%", "red")]
    [InlineData(-0.6, "-0.6000%", "yellow")]
    [InlineData(0.01, "+0.0100%", "green")]
    public void A_deviation_row_colours_the_percentage_by_its_size(double percent, string shown, string colour)
    {
        var deviation = new Deviation("BTC-USD", WindowStart, WindowStart.AddMinutes(1), Sources.Chainlink, 7, 65_000m,
            WindowStart.AddSeconds(-30), 90, 64_900m, (decimal)percent, null, null);

        var row = RecordRows.Format(TopicRecordType.Deviation, "BTC", RecordJson.Serialize(deviation), deviation.WindowEnd);

        Assert.Equal("2026-11-25 14:00+1m", row.Time);
        Assert.StartsWith(shown, row.PlainValues, StringComparison.Ordinal);
        Assert.Contains($"[{colour} bold]{shown}[/]", row.Values, StringComparison.Ordinal);
        Assert.Contains("oracle 65000 vs 64900", row.PlainValues, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CrossoverDirection.Golden, "▲ golden", "green")]
    [InlineData(CrossoverDirection.Death, "▼ death", "red")]
    public void A_signal_row_shows_the_direction_in_its_colour(CrossoverDirection direction, string shown, string colour)
    {
        var signal = new CrossoverSignal("LINK-USD", direction, MovingAverageKind.Ema, 5, 20, 14.2m, 14.1m, 14.3m, WindowStart, WindowStart.AddMinutes(1));

        var row = RecordRows.Format(TopicRecordType.CrossoverSignal, "LINK", RecordJson.Serialize(signal), signal.WindowEnd);

        Assert.Equal("LINK-USD", row.Symbol);
        Assert.Equal("EMA 5/20", row.Source);
        Assert.Contains($"[{colour} bold]{shown}[/]", row.Values, StringComparison.Ordinal);
        Assert.Contains("short 14.2 long 14.1 close 14.3", row.PlainValues, StringComparison.Ordinal);
    }

    [Fact]
    public void Candle_consensus_oracle_gap_and_dead_letter_rows_carry_their_values()
    {
        var candle = new Candle(Sources.Binance, "BTC-USDT", TickKind.Trade, WindowStart, WindowStart.AddMinutes(1), 10m, 12m, 9m, 11m, 10.5m, 3m, 4, Coverage.Partial, true);
        var consensus = new Consensus("BTC-USD", WindowStart, WindowStart.AddMinutes(1), 10.2m, [Sources.CoinGecko], 10.4m, [Sources.Binance, Sources.Okx],
            [new ExcludedSource(Sources.KuCoin, 99m, "outlier")], "USDT=USD", true);
        var round = new OracleRound(Sources.Chainlink, "ETH-USD", "0xabc", (UInt128)ulong.MaxValue + 2, 3000.12m, 8, WindowStart, WindowStart, (UInt128)ulong.MaxValue + 2, WindowStart);
        var gap = new Gap(Sources.KuCoin, "BTC-USDT", WindowStart, WindowStart.AddSeconds(30), 17, GapCoverage.Partial, "stalled", WindowStart.AddSeconds(31));
        var letter = new DeadLetter("topology", Topics.RawOkx, "invalid-price", "price is negative", [1, 2, 3], Topics.RawOkx, 2, 99, WindowStart);

        var rows = new[]
        {
            RecordRows.Format(TopicRecordType.Candle, "BTC", RecordJson.Serialize(candle), WindowStart),
            RecordRows.Format(TopicRecordType.Consensus, "BTC", RecordJson.Serialize(consensus), WindowStart),
            RecordRows.Format(TopicRecordType.OracleRound, "ETH", RecordJson.Serialize(round), WindowStart),
            RecordRows.Format(TopicRecordType.Gap, "BTC", RecordJson.Serialize(gap), WindowStart),
            RecordRows.Format(TopicRecordType.DeadLetter, "BTC", RecordJson.Serialize(letter), WindowStart),
        };

        Assert.Equal("O 10 H 12 L 9 C 11 vwap 10.5 vol 3 n=4 final partial", rows[0].PlainValues);
        Assert.Equal("median 10.4 api mean 10.2 from binance,okx excluded kucoin (outlier)", rows[1].PlainValues);
        Assert.Contains("answer 3000.12 round 18446744073709551617", rows[2].PlainValues, StringComparison.Ordinal);
        Assert.Contains("(30 s), backfilled 17 partial", rows[3].PlainValues, StringComparison.Ordinal);
        Assert.Equal("invalid-price price is negative raw.okx[2]@99 3 B", rows[4].PlainValues);
        Assert.Equal(["binance", "consensus", "chainlink", "kucoin", "topology"], rows.Select(r => r.Source));
    }

    [Fact]
    public void An_unreadable_value_is_shown_with_the_parse_error_instead_of_stopping_the_watch()
    {
        var row = RecordRows.Format(TopicRecordType.Deviation, "BTC", Encoding.UTF8.GetBytes("{\"symbol\": 5"), WindowStart);

        Assert.Equal("unreadable", row.Source);
        Assert.Equal("BTC", row.Symbol);
        Assert.Contains("Deviation:", row.PlainValues, StringComparison.Ordinal);
        Assert.Contains("{\"symbol\": 5", row.PlainValues, StringComparison.Ordinal);
    }
}
