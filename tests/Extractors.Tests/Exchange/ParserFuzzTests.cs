using System.Text;
using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Coinbase;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.KuCoin;
using CryptoStreams.Extractors.Okx;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>
/// Thousands of mutated recorded payloads per parser: each one is either valid ticks or a rejection with a reason,
/// never an exception. Seeded, so a failure reproduces.
/// </summary>
public sealed class ParserFuzzTests
{
    private const int Mutations = 4000;

    public static TheoryData<string> Venues => ["binance", "kucoin", "okx", "coinbase"];

    [Theory]
    [MemberData(nameof(Venues))]
    public void Mutated_payloads_give_valid_ticks_or_a_rejection_never_an_exception(string venue)
    {
        var (parser, restChannel, restFile) = venue switch
        {
            "binance" => ((IChannelFrameParser)new BinanceFrameParser(), FrameChannels.Rest(BinanceFrameParser.AggTradesEndpoint, "BTCUSDT"), "rest-aggTrades-BTCUSDT.json"),
            "kucoin" => (new KuCoinFrameParser(), FrameChannels.Rest(KuCoinFrameParser.HistoriesEndpoint, "BTC-USDT"), "rest-histories-BTC-USDT.json"),
            "okx" => (new OkxFrameParser(), FrameChannels.Rest(OkxFrameParser.HistoryTradesEndpoint, "BTC-USDT"), "rest-history-trades-BTC-USDT.json"),
            _ => (new CoinbaseFrameParser(), FrameChannels.Rest(CoinbaseFrameParser.TradesEndpoint, "BTC-USD"), "rest-trades-BTC-USD.json"),
        };
        var seeds = Fixtures.WebSocketFrames(venue).Select(f => (Channel: FrameChannels.WebSocket, Frame: Encoding.UTF8.GetBytes(f)))
            .Append((Channel: restChannel, Frame: Fixtures.Rest(venue, restFile)))
            .ToList();
        var random = new Random(7 + venue.Length);
        int valid = 0, rejected = 0;
        for (var i = 0; i < Mutations; i++)
        {
            var (channel, seed) = seeds[random.Next(seeds.Count)];
            var mutated = Mutate(seed, random);
            var result = parser.Parse(channel, mutated, ParserAssertions.ReceivedAt);
            if (result.IsRejected)
            {
                rejected++;
                Assert.False(string.IsNullOrEmpty(result.RejectDetail));
                Assert.Empty(result.Ticks);
                continue;
            }

            valid++;
            foreach (var tick in result.Ticks)
            {
                Assert.Equal(parser.Source, tick.Source);
                Assert.True(tick.Price > 0 && tick.Size > 0, Encoding.UTF8.GetString(mutated));
                Assert.NotEqual(TradeSide.Unknown, tick.Side);
                Assert.False(string.IsNullOrEmpty(tick.TradeId));
                Assert.True(CanonicalSymbol.TryParse(tick.Symbol, out var symbol) && symbol.ToString() == tick.Symbol, tick.Symbol);
            }
        }

        Assert.True(valid > 0 && rejected > 0, $"the mutations reach both outcomes (valid {valid}, rejected {rejected})");
    }

    /// <summary>One to three random byte-level edits of a frame (also used by the fast-path differential tests).</summary>
    internal static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(8)));
                    break;
                case 2:
                    bytes.InsertRange(at, Encoding.UTF8.GetBytes(Tokens[random.Next(Tokens.Length)]));
                    break;
                case 3:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 4 when char.IsAsciiDigit((char)bytes[at]):
                    bytes[at] = (byte)"0123456789-.eE"[random.Next(14)];
                    break;
                case 5:
                    var length = Math.Min(bytes.Count - at, 1 + random.Next(20));
                    bytes.InsertRange(at, bytes.GetRange(at, length));
                    break;
                case 6:
                    bytes[at] = (byte)"\"{}[],:"[random.Next(7)];
                    break;
                default:
                    // Most edits keep the structure and change a value, so valid-looking frames get through too.
                    var digit = bytes.FindIndex(at, b => char.IsAsciiDigit((char)b));
                    if (digit >= 0)
                    {
                        bytes[digit] = (byte)('0' + random.Next(10));
                    }

                    break;
            }
        }

        return [.. bytes];
    }

    private static readonly string[] Tokens =
        ["null", "true", "\"\"", "-0", "1e309", "\"-1\"", "{}", "[]", "\"buy\"", "\"BTC\"", "99999999999999999999999999999999", "\\u0000", "\"\\u0031\"", ","];
}
