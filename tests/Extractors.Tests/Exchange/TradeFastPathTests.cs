using System.Buffers.Text;
using System.Globalization;
using System.Text;
using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Okx;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static CryptoStreams.Extractors.Tests.Exchange.ParserAssertions;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>
/// The byte-scanner fast paths of the Binance and OKX parsers against their general Utf8JsonReader parsers, which
/// stay the reference: for every input, the parser's answer (fast path or fallback) equals the general parser's —
/// ticks field by field including the decimals' scale, and every rejection reason and detail.
/// </summary>
public sealed class TradeFastPathTests
{
    private const int GeneratedFrames = 3000;

    [Property(Arbitrary = [typeof(TradeFrameArbitrary)], MaxTest = GeneratedFrames)]
    public void Binance_frames_parse_exactly_as_the_general_parser_reads_them(BinanceFrame frame)
    {
        var bytes = frame.Frame.Bytes;

        AssertSameResult(new BinanceFrameParser().ParseWithReader(bytes, ReceivedAt), new BinanceFrameParser().Parse(bytes, ReceivedAt), bytes);
    }

    [Property(Arbitrary = [typeof(TradeFrameArbitrary)], MaxTest = GeneratedFrames)]
    public void Okx_frames_parse_exactly_as_the_general_parser_reads_them(OkxFrame frame)
    {
        var bytes = frame.Frame.Bytes;

        AssertSameResult(new OkxFrameParser().ParseWithReader(bytes, ReceivedAt), new OkxFrameParser().Parse(bytes, ReceivedAt), bytes);
    }

    [Theory]
    [InlineData("binance")]
    [InlineData("okx")]
    public void Generated_frames_reach_both_the_fast_path_and_the_fallback(string venue)
    {
        Gen<GeneratedFrame> generator;
        ParseAt parse, reference;
        Func<long> fastPathFrames;
        if (venue == "binance")
        {
            var parser = new BinanceFrameParser();
            (generator, parse, reference, fastPathFrames) = (TradeFrameGenerators.Binance.Select(f => f.Frame), parser.Parse, new BinanceFrameParser().ParseWithReader, () => parser.FastPathFrames);
        }
        else
        {
            var parser = new OkxFrameParser();
            (generator, parse, reference, fastPathFrames) = (TradeFrameGenerators.Okx.Select(f => f.Frame), parser.Parse, new OkxFrameParser().ParseWithReader, () => parser.FastPathFrames);
        }

        List<byte[]> frames = [.. generator.Sample(GeneratedFrames, new Rnd(20261125), 50).Select(f => f.Bytes)];
        foreach (var frame in frames)
        {
            AssertSameResult(reference(frame, ReceivedAt), parse(frame, ReceivedAt), frame);
        }

        // The generators keep most frames as the venue sends them; both outcomes must be well represented.
        var fast = fastPathFrames();
        Assert.True(fast > frames.Count / 5, $"fast path took {fast} of {frames.Count} generated frames");
        Assert.True(fast < frames.Count * 4 / 5, $"fast path took {fast} of {frames.Count} generated frames: too few exercise the fallback");
    }

    [Fact]
    public void Every_recorded_binance_trade_frame_takes_the_fast_path()
    {
        var parser = new BinanceFrameParser();
        var reference = new BinanceFrameParser();
        var (frames, tradeFrames) = RecordedFrames("binance", reference.ParseWithReader, atLeast: 5);

        foreach (var frame in tradeFrames)
        {
            Assert.True(parser.TryReadTradeFrame(frame, ReceivedAt, out var tick), Encoding.UTF8.GetString(frame));
            AssertSameResult(reference.ParseWithReader(frame, ReceivedAt), FrameParseResult.Of([tick]), frame);
        }

        // Through both public entry points the connectors and the replay use.
        foreach (var frame in frames)
        {
            AssertSameResult(reference.ParseWithReader(frame, ReceivedAt), parser.Parse(frame, ReceivedAt), frame);
            AssertSameResult(reference.ParseWithReader(frame, ReceivedAt), parser.Parse(FrameChannels.WebSocket, frame, ReceivedAt), frame);
        }

        Assert.Equal(2 * tradeFrames.Count, parser.FastPathFrames);
    }

    [Fact]
    public void Every_recorded_okx_trade_frame_takes_the_fast_path_and_rest_bodies_do_not()
    {
        var parser = new OkxFrameParser();
        var reference = new OkxFrameParser();
        var (frames, tradeFrames) = RecordedFrames("okx", reference.ParseWithReader, atLeast: 3);

        foreach (var frame in tradeFrames)
        {
            Assert.True(parser.TryReadTradesFrame(frame, ReceivedAt, out var ticks), Encoding.UTF8.GetString(frame));
            AssertSameResult(reference.ParseWithReader(frame, ReceivedAt), FrameParseResult.Of(ticks), frame);
        }

        foreach (var frame in frames)
        {
            AssertSameResult(reference.ParseWithReader(frame, ReceivedAt), parser.Parse(frame, ReceivedAt), frame);
        }

        var rest = Fixtures.Rest("okx", "rest-history-trades-BTC-USDT.json");
        AssertSameResult(reference.ParseWithReader(rest, ReceivedAt), parser.Parse(FrameChannels.Rest(OkxFrameParser.HistoryTradesEndpoint, "BTC-USDT"), rest, ReceivedAt), rest);
        Assert.Equal(tradeFrames.Count, parser.FastPathFrames);
    }

    [Theory]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", true)]
    [InlineData("""{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":false,"M":true}""", true)]
    [InlineData("""{"stream":"bnbusdt@trade","data":{"e":"trade","E":1,"s":"BNBUSDT","t":0,"p":"627.41000000","q":"0.51200000","T":1,"m":true,"M":true}}""", true)]
    [InlineData("""{"stream":"btcusdt@aggTrade", "data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""" + "\n", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTC\u0055SDT","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"q":"2","p":"1.5","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"2","T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true,"x":1}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1e5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"0.0","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":1.5,"q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"12345678901234567890","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":01,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":"1","p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTCUSDT","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":253402300800000,"m":true,"M":true}}""", false)]
    [InlineData("""{"stream":"btcusdt@aggTrade","data":{"e":"aggTrade","E":1,"s":"BTC","a":1,"p":"1.5","q":"2","f":1,"l":1,"T":1,"m":true,"M":true}}""", false)]
    public void Binance_fast_path_takes_only_the_exact_shape(string frame, bool fast)
    {
        var bytes = Encoding.UTF8.GetBytes(frame);
        var parser = new BinanceFrameParser();

        Assert.Equal(fast, parser.TryReadTradeFrame(bytes, ReceivedAt, out _));
        AssertSameResult(new BinanceFrameParser().ParseWithReader(bytes, ReceivedAt), parser.Parse(bytes, ReceivedAt), bytes);
    }

    [Theory]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"0.10","side":"buy","ts":"1","count":"1","source":"0","seqId":5}]}""", 1)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"0.10","side":"buy","ts":"1"},{"instId":"BTC-USDT","tradeId":"2","px":"2","sz":"3","side":"sell","ts":"2","seqId":7}]}""", 2)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[]}""", 0)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1","seqId":5,"count":"1"}]}""", 0)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"007","px":"1","sz":"1","side":"buy","ts":"1"}]}""", 0)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1"},{"instId":"BTC","tradeId":"2","px":"1","sz":"1","side":"buy","ts":"1"}]}""", 0)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"hold","ts":"1"}]}""", 0)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1"}],"event":"error"}""", 0)]
    [InlineData("""{"arg":{"channel":"books","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1"}]}""", 0)]
    [InlineData("""{"arg":{"channel":"trades","instId":"BTC-USDT"},"data":[{"instId":"BTC-USDT","tradeId":"1","px":"1","sz":"1","side":"buy","ts":"1"}]} """, 0)]
    public void Okx_fast_path_takes_only_the_exact_shape(string frame, int fastTicks)
    {
        var bytes = Encoding.UTF8.GetBytes(frame);
        var parser = new OkxFrameParser();

        Assert.Equal(fastTicks > 0, parser.TryReadTradesFrame(bytes, ReceivedAt, out var ticks));
        Assert.Equal(fastTicks, ticks?.Count ?? 0);
        AssertSameResult(new OkxFrameParser().ParseWithReader(bytes, ReceivedAt), parser.Parse(bytes, ReceivedAt), bytes);
    }

    [Property(MaxTest = 2000)]
    public void Scanned_decimals_keep_the_value_and_scale_Utf8Parser_reads(ulong raw, byte rawScale)
    {
        // Any mantissa of up to 19 digits at any scale the digits allow, trailing zeros included.
        var mantissa = raw % 10_000_000_000_000_000_000UL;
        var digits = mantissa.ToString(CultureInfo.InvariantCulture);
        var scale = rawScale % 20;
        var padded = digits.PadLeft(scale + 1, '0');
        var text = scale == 0 ? padded : padded[..^scale] + "." + padded[^scale..];
        var utf8 = Encoding.ASCII.GetBytes("\"" + text + "\"");

        var scanner = new TradeFrameScanner(utf8);
        var scanned = scanner.QuotedPositiveDecimal(out var value);

        Assert.True(Utf8Parser.TryParse(utf8.AsSpan(1, utf8.Length - 2), out decimal expected, out _));
        if (mantissa == 0 || text.Replace(".", string.Empty, StringComparison.Ordinal).Length > 19)
        {
            Assert.False(scanned, text);
            return;
        }

        Assert.True(scanned, text);
        Assert.True(scanner.AtEnd);
        Assert.Equal(decimal.GetBits(expected), decimal.GetBits(value));
    }

    private delegate FrameParseResult ParseAt(ReadOnlySpan<byte> frame, DateTimeOffset receivedAt);

    /// <summary>Every recorded WebSocket frame of a venue, and those the general parser reads as trades.</summary>
    private static (List<byte[]> All, List<byte[]> Trades) RecordedFrames(string venue, ParseAt reference, int atLeast)
    {
        var frames = Fixtures.WebSocketFrames(venue).Select(Encoding.UTF8.GetBytes).ToList();
        var trades = frames.Where(f => reference(f, ReceivedAt).Ticks.Count > 0).ToList();
        Assert.True(trades.Count >= atLeast, $"the {venue} recording holds {trades.Count} trade frames");
        return (frames, trades);
    }

    private static void AssertSameResult(FrameParseResult expected, FrameParseResult actual, byte[] frame)
    {
        var text = Encoding.UTF8.GetString(frame);
        Assert.True(expected.RejectReason == actual.RejectReason, $"reason {actual.RejectReason}, reference {expected.RejectReason}: {text}");
        Assert.True(expected.RejectDetail == actual.RejectDetail, $"detail '{actual.RejectDetail}', reference '{expected.RejectDetail}': {text}");
        Assert.True(expected.Ticks.SequenceEqual(actual.Ticks), $"ticks [{string.Join(", ", actual.Ticks)}], reference [{string.Join(", ", expected.Ticks)}]: {text}");
        for (var i = 0; i < expected.Ticks.Count; i++)
        {
            // Tick equality compares decimals by value; the payload's scale (trailing zeros) must survive too.
            Assert.Equal(decimal.GetBits(expected.Ticks[i].Price), decimal.GetBits(actual.Ticks[i].Price));
            Assert.Equal(decimal.GetBits(expected.Ticks[i].Size), decimal.GetBits(actual.Ticks[i].Size));
            Assert.Equal(expected.Ticks[i].EventTime.Offset, actual.Ticks[i].EventTime.Offset);
        }
    }
}
