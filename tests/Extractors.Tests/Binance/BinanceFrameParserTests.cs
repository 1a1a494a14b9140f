using System.Text;
using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;
using static CryptoStreams.Extractors.Tests.Exchange.ParserAssertions;

namespace CryptoStreams.Extractors.Tests.Binance;

public sealed class BinanceFrameParserTests
{
    private readonly BinanceFrameParser parser = new();

    [Fact]
    public void Subscribe_reply_is_a_control_frame() => IsControl(ParseLine(parser, "binance", 0));

    [Fact]
    public void AggTrade_in_a_combined_envelope_becomes_a_tick_with_the_taker_buying_when_the_buyer_is_not_maker()
    {
        var tick = SingleTick(ParseLine(parser, "binance", 1));

        Assert.Equal(new Tick(Sources.Binance, TickKind.Trade, "BTC-USDT", 94312.01m, 0.00053m, TradeSide.Buy, "3288475141", Ms(1732537320122), ReceivedAt), tick);
    }

    [Fact]
    public void Buyer_is_maker_means_the_taker_sold()
    {
        var tick = SingleTick(ParseLine(parser, "binance", 3));

        Assert.Equal(new Tick(Sources.Binance, TickKind.Trade, "ETH-USDT", 3402.57m, 0.35m, TradeSide.Sell, "2113894410", Ms(1732537320206), ReceivedAt), tick);
    }

    [Fact]
    public void Raw_trade_event_uses_its_trade_id()
    {
        var tick = SingleTick(ParseLine(parser, "binance", 5));

        Assert.Equal(new Tick(Sources.Binance, TickKind.Trade, "BNB-USDT", 627.41m, 0.512m, TradeSide.Sell, "1054021977", Ms(1732537320599), ReceivedAt), tick);
    }

    [Fact]
    public void Rest_aggTrades_take_the_symbol_from_the_channel()
    {
        var result = ParseRest(parser, "binance", "rest-aggTrades-BTCUSDT.json", FrameChannels.Rest(BinanceFrameParser.AggTradesEndpoint, "BTCUSDT"));

        Assert.False(result.IsRejected);
        Assert.Equal(["3288475144", "3288475145", "3288475146"], result.Ticks.Select(t => t.TradeId));
        Assert.Equal(new Tick(Sources.Binance, TickKind.Trade, "BTC-USDT", 94312m, 0.00021m, TradeSide.Sell, "3288475144", Ms(1732537321110), ReceivedAt), result.Ticks[0]);
    }

    [Fact]
    public void Server_shutdown_is_control_and_recognised_as_a_reconnect_signal()
    {
        var frame = """{"e":"serverShutdown","E":1732540000000}"""u8.ToArray();

        IsControl(parser.Parse(frame, ReceivedAt));
        Assert.True(BinanceFrameParser.IsServerShutdown(frame));
    }

    [Theory]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"0","q":"1","T":1,"m":true}}""", RejectReasons.InvalidPrice)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1e","q":"1","T":1,"m":true}}""", RejectReasons.InvalidPrice)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"1","T":1}}""", RejectReasons.MissingField)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","s":"BTC","a":1,"p":"1","q":"1","T":1,"m":true}}""", RejectReasons.InvalidSymbol)]
    [InlineData("""{"stream":"btcusdt@depth","data":{"e":"depthUpdate","s":"BTCUSDT"}}""", RejectReasons.UnknownMessage)]
    [InlineData("""{"error":{"code":2,"msg":"Invalid request"},"id":1}""", RejectReasons.VenueError)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","s":"BTCUSDT","a":1,"p":"1","q":"1","T":1,"m":true}} x""", RejectReasons.Malformed)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":""", RejectReasons.Malformed)]
    [InlineData("[1,2]", RejectReasons.UnknownMessage)]
    public void Invalid_frames_are_rejected_with_a_specific_reason(string frame, string reason)
    {
        var result = parser.Parse(Encoding.UTF8.GetBytes(frame), ReceivedAt);

        Assert.True(result.IsRejected);
        Assert.Equal(reason, result.RejectReason);
        Assert.Empty(result.Ticks);
    }

    [Fact]
    public void Prices_keep_every_digit_of_the_payload()
    {
        var frame = """{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","s":"BTCUSDT","a":7,"p":"0.1000000000000000055511151231","q":"12345678901234.12345678","T":1732537320122,"m":false}}"""u8;

        var tick = SingleTick(parser.Parse(frame, ReceivedAt));

        Assert.Equal(0.1000000000000000055511151231m, tick.Price);
        Assert.Equal(12345678901234.12345678m, tick.Size);
    }
}
