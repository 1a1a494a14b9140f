using System.Text;
using CryptoStreams.Extractors.Coinbase;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;
using static CryptoStreams.Extractors.Tests.Exchange.ParserAssertions;

namespace CryptoStreams.Extractors.Tests.Coinbase;

public sealed class CoinbaseFrameParserTests
{
    private readonly CoinbaseFrameParser parser = new();

    private static DateTimeOffset At(int second, int microseconds) =>
        new DateTimeOffset(2024, 11, 25, 12, 22, second, TimeSpan.Zero).AddTicks(microseconds * 10L);

    [Fact]
    public void Subscriptions_and_heartbeats_are_control_frames()
    {
        IsControl(ParseLine(parser, "coinbase", 0));
        IsControl(ParseLine(parser, "coinbase", 2));
    }

    [Fact]
    public void Match_side_is_the_maker_side_so_the_taker_did_the_opposite()
    {
        // last_match: maker sold, so the taker bought.
        Assert.Equal(new Tick(Sources.Coinbase, TickKind.Trade, "BTC-USD", 94320.15m, 0.0015m, TradeSide.Buy, "723421111", At(1, 123456), ReceivedAt), SingleTick(ParseLine(parser, "coinbase", 1)));

        // match: maker bought, so the taker sold.
        Assert.Equal(new Tick(Sources.Coinbase, TickKind.Trade, "BTC-USD", 94320.14m, 0.02m, TradeSide.Sell, "723421112", At(2, 451002), ReceivedAt), SingleTick(ParseLine(parser, "coinbase", 3)));
    }

    [Fact]
    public void Ticker_side_is_already_the_taker_side_and_last_size_is_the_size()
    {
        Assert.Equal(new Tick(Sources.Coinbase, TickKind.Trade, "BTC-USD", 94321.00m, 0.0002m, TradeSide.Buy, "723421115", At(3, 501234), ReceivedAt), SingleTick(ParseLine(parser, "coinbase", 5)));
    }

    [Fact]
    public void Rest_trades_come_out_oldest_first_with_taker_sides()
    {
        var result = ParseRest(parser, "coinbase", "rest-trades-BTC-USD.json", FrameChannels.Rest(CoinbaseFrameParser.TradesEndpoint, "BTC-USD"));

        Assert.Equal(["723421110", "723421111"], result.Ticks.Select(t => t.TradeId));
        Assert.Equal(TradeSide.Sell, result.Ticks[0].Side);
        Assert.Equal(TradeSide.Buy, result.Ticks[1].Side);
    }

    [Theory]
    [InlineData("""{"type":"match","trade_id":1,"side":"buy","size":"1","price":"1","product_id":"BTC-USD","time":"yesterday"}""", RejectReasons.InvalidTime)]
    [InlineData("""{"type":"l2update","product_id":"BTC-USD","changes":[]}""", RejectReasons.UnknownMessage)]
    [InlineData("""{"type":"error","message":"Failed to subscribe","reason":"BTC-XYZ is not a valid product"}""", RejectReasons.VenueError)]
    [InlineData("""{"type":"match","trade_id":1,"side":"buy","size":"0","price":"1","product_id":"BTC-USD","time":"2024-11-25T12:22:01Z"}""", RejectReasons.InvalidSize)]
    [InlineData("""{"trade_id":1}""", RejectReasons.UnknownMessage)]
    public void Invalid_frames_are_rejected_with_a_specific_reason(string frame, string reason)
    {
        Assert.Equal(reason, parser.Parse(Encoding.UTF8.GetBytes(frame), ReceivedAt).RejectReason);
    }
}
