using CryptoStreams.Extractors.CoinCap;
using CryptoStreams.Extractors.CoinGecko;
using CryptoStreams.Extractors.Coinpaprika;
using CryptoStreams.Extractors.Core;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Extractors.Tests.CoinCap;

/// <summary>Thousands of mutated recorded payloads per price-API parser: each is valid ticks or a reject, never an exception.</summary>
public sealed class PriceApiParserFuzzTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2025, 3, 24, 9, 55, 40, TimeSpan.Zero);

    public static TheoryData<string, string> Payloads => new()
    {
        { "coingecko", "simple_price.json" },
        { "coinpaprika", "tickers_btc-bitcoin.json" },
        { "coincap", "assets.json" },
    };

    private static IFrameParser ParserFor(string api) => api switch
    {
        "coingecko" => new CoinGeckoParser(new CoinGeckoOptions().EffectiveCoins()),
        "coinpaprika" => new CoinpaprikaParser(new CoinpaprikaOptions().EffectiveCoins()),
        _ => new CoinCapParser(new CoinCapOptions().EffectiveCoins()),
    };

    [Theory]
    [MemberData(nameof(Payloads))]
    public void Mutated_payloads_give_valid_ticks_or_a_reject(string api, string file)
    {
        var original = File.ReadAllBytes(Path.Combine(RepositoryPaths.Fixtures, api, file));
        var parser = ParserFor(api);
        var random = new Random(api.Length * 7919);
        var (ticks, rejects) = (0, 0);
        for (var i = 0; i < 3000; i++)
        {
            var bytes = Mutate(original, random);
            var result = parser.Parse(bytes, ReceivedAt);
            Assert.True(result.IsRejected || result.Ticks.Count > 0, $"mutation {i} gave neither ticks nor a reject");
            Assert.All(result.Ticks, t => Assert.True(t.Price > 0 && t.Symbol.EndsWith("-USD", StringComparison.Ordinal)));
            ticks += result.Ticks.Count > 0 ? 1 : 0;
            rejects += result.IsRejected ? 1 : 0;
        }

        // Both outcomes must actually occur, or the mutations are not exercising the parser.
        Assert.True(ticks > 0 && rejects > 0, $"ticks {ticks}, rejects {rejects}");
    }

    private static byte[] Mutate(byte[] original, Random random)
    {
        var bytes = (byte[])original.Clone();
        switch (random.Next(4))
        {
            case 0:
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                var digits = "0123456789-.eE\""u8;
                bytes[random.Next(bytes.Length)] = digits[random.Next(digits.Length)];
                return bytes;
            default:
                var at = random.Next(bytes.Length);
                return [.. bytes[..at], .. "null,"u8.ToArray(), .. bytes[at..]];
        }
    }
}
