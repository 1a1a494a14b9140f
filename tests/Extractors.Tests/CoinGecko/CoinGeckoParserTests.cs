using System.Text;
using CryptoStreams.Extractors.CoinGecko;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.CoinGecko;

public sealed class CoinGeckoParserTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2024, 3, 25, 8, 45, 10, TimeSpan.Zero);

    private static readonly CoinGeckoParser Parser = new(new CoinGeckoOptions().EffectiveCoins());

    private static byte[] Fixture(string name) => Exchange.Fixtures.Rest("coingecko", name);

    [Fact]
    public void Simple_price_response_gives_one_usd_quote_per_coin_with_exact_prices_and_last_updated_times()
    {
        var result = Parser.Parse(Fixture("simple_price.json"), ReceivedAt);

        Assert.False(result.IsRejected);
        var bySymbol = result.Ticks.ToDictionary(t => t.Symbol);
        Assert.Equal(["BTC-USD", "ETH-USD", "LINK-USD"], bySymbol.Keys.Order());
        Assert.Equal(67187.3358m, bySymbol["BTC-USD"].Price);
        Assert.Equal(3386.2m, bySymbol["ETH-USD"].Price);
        Assert.Equal(18.61m, bySymbol["LINK-USD"].Price);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711356300), bySymbol["BTC-USD"].EventTime);
        Assert.All(result.Ticks, t =>
        {
            Assert.Equal(Sources.CoinGecko, t.Source);
            Assert.Equal(TickKind.Quote, t.Kind);
            Assert.Equal(0m, t.Size);
            Assert.Null(t.TradeId);
            Assert.Equal(ReceivedAt, t.ReceiveTime);
        });
    }

    [Fact]
    public void Prices_keep_every_digit_of_the_payload_text()
    {
        // 0.1 + 0.2 style values and 20+ significant digits survive only if nothing goes through double.
        var payload = """{"bitcoin":{"usd":67187.33580000000000000001,"last_updated_at":1711356300}}""";

        var tick = Assert.Single(Parser.Parse(Encoding.UTF8.GetBytes(payload), ReceivedAt).Ticks);

        Assert.Equal(decimal.Parse("67187.33580000000000000001", System.Globalization.CultureInfo.InvariantCulture), tick.Price);
        Assert.Equal("67187.33580000000000000001", tick.Price.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Rate_limit_error_body_is_rejected_as_api_error()
    {
        var result = Parser.Parse(Fixture("rate_limited.json"), ReceivedAt);

        Assert.True(result.IsRejected);
        Assert.Equal("api-error", result.RejectReason);
        Assert.Empty(result.Ticks);
    }

    [Fact]
    public void Valid_coins_are_kept_when_others_in_the_same_response_are_bad()
    {
        var result = Parser.Parse(Fixture("unknown_coin_and_bad_price.json"), ReceivedAt);

        var tick = Assert.Single(result.Ticks);
        Assert.Equal("BTC-USD", tick.Symbol);
        Assert.Equal(67190.01m, tick.Price);
        Assert.True(result.IsRejected);
        Assert.Equal("unknown-coin", result.RejectReason);
        Assert.Contains("dogecoin", result.RejectDetail, StringComparison.Ordinal);
        Assert.Contains("ethereum", result.RejectDetail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "unparseable")]
    [InlineData("[1,2,3]", "unexpected-shape")]
    [InlineData("""{"bitcoin":{"usd":"abc","last_updated_at":1711356300}}""", "missing-price")]
    [InlineData("""{"bitcoin":{"usd":1.5}}""", "missing-time")]
    [InlineData("""{"bitcoin":{"usd":0,"last_updated_at":1711356300}}""", "invalid-price")]
    [InlineData("""{"bitcoin":[]}""", "unexpected-shape")]
    public void Bad_payloads_are_rejected_with_a_specific_reason(string payload, string reason)
    {
        var result = Parser.Parse(Encoding.UTF8.GetBytes(payload), ReceivedAt);

        Assert.Empty(result.Ticks);
        Assert.Equal(reason, result.RejectReason);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public bool Any_bytes_give_ticks_or_a_reject_never_an_exception(byte[] bytes)
    {
        var result = Parser.Parse(bytes, ReceivedAt);
        return result.IsRejected || result.Ticks.All(t => t.Price > 0);
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool Mutated_recorded_payloads_give_ticks_or_a_reject(int seed)
    {
        var bytes = Fixture("simple_price.json");
        var random = new Random(seed);
        for (var i = 0; i < 1 + random.Next(4); i++)
        {
            bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
        }

        var result = Parser.Parse(bytes, ReceivedAt);
        return result.IsRejected || (result.Ticks.Count > 0 && result.Ticks.All(t => t.Price > 0));
    }
}
