using System.Globalization;
using System.Text;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Schema.Tests;

public class DecimalExamples
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("0.00000001")]
    [InlineData("123456789.123456789")]
    [InlineData("67123.45000000")]
    [InlineData("79228162514264337593543950335")]
    [InlineData("0.0000000000000000000000000001")]
    public void Price_keeps_every_digit(string text)
    {
        var price = decimal.Parse(text, CultureInfo.InvariantCulture);
        var tick = new Tick(Sources.Binance, TickKind.Trade, "BTC-USDT", price, price, TradeSide.Buy, "1", T0, T0);

        var json = Encoding.UTF8.GetString(RecordJson.Serialize(tick));
        var back = RecordJson.Deserialize<Tick>(Encoding.UTF8.GetBytes(json));

        Assert.Contains($"\"price\":{text}", json, StringComparison.Ordinal);
        Assert.Equal(text, back.Price.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Prices_written_as_strings_by_other_producers_are_read_exactly()
    {
        var json = """{"source":"okx","kind":"trade","symbol":"BTC-USDT","price":"0.00000001","size":"5","side":"sell","tradeId":"9","eventTime":"2026-11-25T12:00:00Z","receiveTime":"2026-11-25T12:00:00.5Z"}""";

        var tick = RecordJson.Deserialize<Tick>(Encoding.UTF8.GetBytes(json));

        Assert.Equal(0.00000001m, tick.Price);
        Assert.Equal(TradeSide.Sell, tick.Side);
        Assert.Equal("BTC", tick.Asset);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("{}")]
    [InlineData("null")]
    [InlineData("""{"source":"okx","kind":"trade","symbol":"BTC-USDT","price":"abc","size":"5","side":"sell","tradeId":"9","eventTime":"2026-11-25T12:00:00Z","receiveTime":"2026-11-25T12:00:00Z"}""")]
    public void Garbage_is_a_RecordFormatException_with_the_type_name(string json)
    {
        var ex = Assert.Throws<RecordFormatException>(() => RecordJson.Deserialize<Tick>(Encoding.UTF8.GetBytes(json)));
        Assert.StartsWith("Tick:", ex.Message, StringComparison.Ordinal);
    }
}
