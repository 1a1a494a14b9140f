using System.Text;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.KuCoin;
using CryptoStreams.Schema;
using static CryptoStreams.Extractors.Tests.Exchange.ParserAssertions;

namespace CryptoStreams.Extractors.Tests.KuCoin;

public sealed class KuCoinFrameParserTests
{
    private readonly KuCoinFrameParser parser = new();

    [Fact]
    public void Welcome_ack_and_pong_are_control_frames()
    {
        IsControl(ParseLine(parser, "kucoin", 0));
        IsControl(ParseLine(parser, "kucoin", 1));
        IsControl(ParseLine(parser, "kucoin", 4));
    }

    [Fact]
    public void Match_becomes_a_tick_with_nanosecond_time_kept_to_the_100_ns_a_timestamp_holds()
    {
        var tick = SingleTick(ParseLine(parser, "kucoin", 2));

        var time = new DateTimeOffset(2024, 11, 25, 12, 22, 1, TimeSpan.Zero).AddTicks(1182);
        Assert.Equal(new Tick(Sources.KuCoin, TickKind.Trade, "BTC-USDT", 94305.1m, 0.00012345m, TradeSide.Buy, "13873624612", time, ReceivedAt), tick);
    }

    [Fact]
    public void The_documented_match_example_has_one_id_in_tradeId_and_sequence_and_the_tick_carries_it()
    {
        // KuCoin's /market/match example (docs-new "Trade", modified 2024-11-15); REST histories carry only sequence.
        const string documented = """{"topic":"/market/match:BTC-USDT","type":"message","subject":"trade.l3match","data":{"makerOrderId":"671b5007389355000701b1d3","price":"67523","sequence":"11067996711960577","side":"buy","size":"0.003","symbol":"BTC-USDT","takerOrderId":"671b50161777ff00074c168d","time":"1729843222921000000","tradeId":"11067996711960577","type":"match"}}""";

        var tick = SingleTick(parser.Parse(Encoding.UTF8.GetBytes(documented), ReceivedAt));

        Assert.Equal("11067996711960577", tick.TradeId);
        Assert.Equal(67523m, tick.Price);
    }

    [Fact]
    public void A_match_without_sequence_takes_its_id_from_tradeId_and_sequence_wins_when_both_differ()
    {
        const string withoutSequence = """{"type":"message","topic":"/market/match:BTC-USDT","subject":"trade.l3match","data":{"price":"94305.1","side":"buy","size":"0.1","symbol":"BTC-USDT","time":"1732537321000118297","tradeId":"13873624699","type":"match"}}""";
        const string both = """{"type":"message","topic":"/market/match:BTC-USDT","subject":"trade.l3match","data":{"price":"94305.1","sequence":"13873624700","side":"buy","size":"0.1","symbol":"BTC-USDT","time":"1732537321000118297","tradeId":"99","type":"match"}}""";

        Assert.Equal("13873624699", SingleTick(parser.Parse(Encoding.UTF8.GetBytes(withoutSequence), ReceivedAt)).TradeId);
        Assert.Equal("13873624700", SingleTick(parser.Parse(Encoding.UTF8.GetBytes(both), ReceivedAt)).TradeId);
    }

    [Fact]
    public void Sell_match_keeps_the_taker_side()
    {
        var tick = SingleTick(ParseLine(parser, "kucoin", 3));

        Assert.Equal(TradeSide.Sell, tick.Side);
        Assert.Equal("ETH-USDT", tick.Symbol);
        Assert.Equal("11020577311", tick.TradeId);
    }

    [Fact]
    public void Histories_use_the_sequence_as_trade_id_and_candles_carry_no_ticks()
    {
        var history = ParseRest(parser, "kucoin", "rest-histories-BTC-USDT.json", FrameChannels.Rest(KuCoinFrameParser.HistoriesEndpoint, "BTC-USDT"));
        var candles = ParseRest(parser, "kucoin", "rest-candles-BTC-USDT.json", FrameChannels.Rest(KuCoinFrameParser.CandlesEndpoint, "BTC-USDT"));

        Assert.Equal(["13873624588", "13873624601"], history.Ticks.Select(t => t.TradeId));
        Assert.Equal(TradeSide.Sell, history.Ticks[0].Side);
        Assert.Equal(94301.2m, history.Ticks[0].Price);
        IsControl(candles);
    }

    [Theory]
    [InlineData("""{"type":"message","topic":"/market/match:BTC-USDT","subject":"trade.l3match","data":{"price":"1","sequence":"1","side":"buy","size":"1","symbol":"BTC-USDT","time":"-5"}}""", RejectReasons.InvalidTime)]
    [InlineData("""{"type":"message","topic":"/market/level2:BTC-USDT","subject":"trade.l2update","data":{}}""", RejectReasons.UnknownMessage)]
    [InlineData("""{"id":"1","type":"error","code":401,"data":"token is expired"}""", RejectReasons.VenueError)]
    [InlineData("""{"type":"message","subject":"trade.l3match","data":{"price":"1","sequence":"1","side":"buy","size":"1","time":"1"}}""", RejectReasons.MissingField)]
    public void Invalid_frames_are_rejected_with_a_specific_reason(string frame, string reason)
    {
        Assert.Equal(reason, parser.Parse(Encoding.UTF8.GetBytes(frame), ReceivedAt).RejectReason);
    }
}
