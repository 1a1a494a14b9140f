using System.Text;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>Helpers for reading fixture frames through a parser.</summary>
public static class ParserAssertions
{
    public static readonly DateTimeOffset ReceivedAt = new(2024, 11, 25, 12, 22, 5, TimeSpan.Zero);

    public static FrameParseResult ParseLine(IFrameParser parser, string venue, int line) =>
        parser.Parse(Encoding.UTF8.GetBytes(Fixtures.WebSocketFrames(venue)[line]), ReceivedAt);

    public static Tick SingleTick(FrameParseResult result)
    {
        Assert.False(result.IsRejected, $"{result.RejectReason}: {result.RejectDetail}");
        return Assert.Single(result.Ticks);
    }

    public static void IsControl(FrameParseResult result)
    {
        Assert.False(result.IsRejected, $"{result.RejectReason}: {result.RejectDetail}");
        Assert.Empty(result.Ticks);
    }

    public static FrameParseResult ParseRest(IChannelFrameParser parser, string venue, string file, string channel) =>
        parser.Parse(channel, Fixtures.Rest(venue, file), ReceivedAt);

    public static DateTimeOffset Ms(long milliseconds) => DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
}
