using System.Text;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Okx;
using CryptoStreams.Schema;
using static CryptoStreams.Extractors.Tests.Exchange.ParserAssertions;

namespace CryptoStreams.Extractors.Tests.Okx;

public sealed class OkxFrameParserTests
{
    private readonly OkxFrameParser parser = new();

    [Fact]
    public void Subscribe_event_and_pong_are_control_frames()
    {
        IsControl(ParseLine(parser, "okx", 0));
        IsControl(parser.Parse("pong"u8, ReceivedAt));
    }

    [Fact]
    public void Trade_push_becomes_a_tick_with_the_taker_side()
    {
        Assert.Equal(new Tick(Sources.Okx, TickKind.Trade, "BTC-USDT", 94310.5m, 0.00418m, TradeSide.Buy, "617251836", Ms(1732537322164), ReceivedAt), SingleTick(ParseLine(parser, "okx", 2)));
        Assert.Equal(new Tick(Sources.Okx, TickKind.Trade, "ETH-USDT", 3402.41m, 1.204m, TradeSide.Sell, "551920114", Ms(1732537322301), ReceivedAt), SingleTick(ParseLine(parser, "okx", 3)));
    }

    [Fact]
    public void Error_event_is_rejected_as_a_venue_error()
    {
        var result = ParseLine(parser, "okx", 5);

        Assert.Equal(RejectReasons.VenueError, result.RejectReason);
        Assert.Contains("60012", result.RejectDetail, StringComparison.Ordinal);
    }

    [Fact]
    public void History_trades_response_reads_like_the_push()
    {
        var result = ParseRest(parser, "okx", "rest-history-trades-BTC-USDT.json", FrameChannels.Rest(OkxFrameParser.HistoryTradesEndpoint, "BTC-USDT"));

        Assert.False(result.IsRejected);
        Assert.Equal(new Tick(Sources.Okx, TickKind.Trade, "BTC-USDT", 94309.9m, 0.00001m, TradeSide.Sell, "617251835", Ms(1732537321011), ReceivedAt), result.Ticks[0]);
        Assert.Equal(2, result.Ticks.Count);
    }

    [Theory]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"-1","sz":"1","side":"buy","ts":"1"}]}""", RejectReasons.InvalidPrice)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"hold","ts":"1"}]}""", RejectReasons.InvalidSide)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"x1","px":"1","sz":"1","side":"buy","ts":"1"}]}""", RejectReasons.InvalidTradeId)]
    [InlineData("""{"arg":{"channel":"books","instId":"BTC-USDT"},"data":[]}""", RejectReasons.UnknownMessage)]
    [InlineData("""{"code":"50011","msg":"Too Many Requests","data":[]}""", RejectReasons.VenueError)]
    [InlineData("ping", RejectReasons.Malformed)]
    public void Invalid_frames_are_rejected_with_a_specific_reason(string frame, string reason)
    {
        var result = parser.Parse(Encoding.UTF8.GetBytes(frame), ReceivedAt);

        Assert.Equal(reason, result.RejectReason);
    }
}
