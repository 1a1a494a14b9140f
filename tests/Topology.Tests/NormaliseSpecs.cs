using System.Text;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using static CryptoStreams.Topology.Tests.Market;

namespace CryptoStreams.Topology.Tests;

/// <summary>Stage 1: every raw record is validated; anything wrong goes to dlq.topology with a specific reason.</summary>
public sealed class NormaliseSpecs
{
    public static TheoryData<string, string> InvalidTicks => new()
    {
        { "price zero", DeadLetterReasons.InvalidPrice },
        { "negative size", DeadLetterReasons.InvalidSize },
        { "venue spelling of the symbol", DeadLetterReasons.InvalidSymbol },
        { "keyed by another asset", DeadLetterReasons.KeyMismatch },
        { "a quote from an exchange", DeadLetterReasons.KindMismatch },
        { "another venue's tick on raw.binance", DeadLetterReasons.SourceMismatch },
        { "event time two hours after receive time", DeadLetterReasons.EventTimeSkew },
        { "event time two days before receive time", DeadLetterReasons.EventTimeSkew },
        { "a price no market has", DeadLetterReasons.OutOfRange },
    };

    [Theory]
    [MemberData(nameof(InvalidTicks))]
    public void An_invalid_tick_is_dead_lettered_with_its_reason_and_its_bytes(string what, string reason)
    {
        var good = Trade(Sources.Binance, "BTC-USDT", 65000m, 0.01m, At(0, 5));
        var (key, tick) = what switch
        {
            "price zero" => ("BTC", good with { Price = 0m }),
            "negative size" => ("BTC", good with { Size = -1m }),
            "venue spelling of the symbol" => ("BTC", good with { Symbol = "BTCUSDT" }),
            "keyed by another asset" => ("ETH", good),
            "a quote from an exchange" => ("BTC", good with { Kind = TickKind.Quote }),
            "another venue's tick on raw.binance" => ("BTC", good with { Source = Sources.Okx }),
            "event time two hours after receive time" => ("BTC", good with { ReceiveTime = good.EventTime.AddHours(-2) }),
            "event time two days before receive time" => ("BTC", good with { ReceiveTime = good.EventTime.AddDays(2) }),
            "a price no market has" => ("BTC", good with { Price = 1e12m }),
            _ => throw new ArgumentOutOfRangeException(nameof(what)),
        };
        using var driver = new TopologyDriver();
        var payload = RecordJson.Serialize(tick);

        driver.Pipe(Topics.RawBinance, key, payload, tick.EventTime);

        var dead = Assert.Single(driver.DeadLetters());
        Assert.Equal(key, dead.Key);
        Assert.Equal(
            new DeadLetter("topology", Sources.Binance, reason, dead.Value.Error, payload, Topics.RawBinance, 0, 0, TopologyDriver.RejectionTime),
            dead.Value);
        Assert.NotEmpty(dead.Value.Error);
        Assert.Empty(driver.Prices());
        Assert.Equal(1, driver.Runtime.Status.DeadLetters);
    }

    [Fact]
    public void Bytes_that_are_not_a_tick_are_dead_lettered_as_unparseable_with_the_json_error()
    {
        using var driver = new TopologyDriver();
        var payload = Encoding.UTF8.GetBytes("{\"source\":\"binance\",\"price\":");

        driver.Pipe(Topics.RawBinance, "BTC", payload, At(0));

        var dead = Assert.Single(driver.DeadLetters()).Value;
        Assert.Equal(DeadLetterReasons.Unparseable, dead.Reason);
        Assert.Equal(payload, dead.Payload);
        Assert.StartsWith("Tick: ", dead.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Oracle_rounds_not_in_usd_and_gaps_that_end_before_they_start_are_dead_lettered()
    {
        using var driver = new TopologyDriver();

        driver.Pipe(Round("ETH-BTC", 7, 0.05m, At(0)));
        driver.Pipe(Gap(Sources.Okx, "ETH-USDT", At(2), At(1), GapCoverage.None));

        Assert.Equal(
            [("ETH", "chainlink", DeadLetterReasons.OracleQuoteNotUsd), ("ETH", "gaps", DeadLetterReasons.InvalidRange)],
            driver.DeadLetters().Select(d => (d.Key, d.Value.Source, d.Value.Reason)));
    }

    [Fact]
    public void A_valid_trade_becomes_a_provisional_candle_keyed_by_its_asset()
    {
        using var driver = new TopologyDriver();

        driver.Pipe(Trade(Sources.Binance, "BTC-USDT", 65000.5m, 0.25m, At(0, 12)));

        var (key, candle) = Assert.Single(driver.Prices());
        Assert.Equal("BTC", key);
        Assert.Equal(
            new Candle(Sources.Binance, "BTC-USDT", TickKind.Trade, At(0), At(1), 65000.5m, 65000.5m, 65000.5m, 65000.5m, 65000.5m, 0.25m, 1, Coverage.Complete, Final: false),
            candle);
        Assert.Empty(driver.DeadLetters());
    }
}
