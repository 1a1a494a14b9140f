using System.Globalization;
using System.Numerics;
using System.Text;
using CryptoStreams.Extractors.Chainlink;
using CryptoStreams.Extractors.Recording;

namespace CryptoStreams.EndToEnd.Tests;

/// <summary>
/// A recording as <c>extract --record DIR</c> writes it (<see cref="FileFrameRecorder"/>), of a market made up from a
/// seed: Binance aggTrade and Coinbase match frames for BTC and ETH, and the Chainlink feeds' <c>decimals()</c> and
/// <c>latestRoundData()</c> answers polled every 15 s (a new round every 45 s). Prices follow trends that turn every
/// few minutes, so short and long moving averages cross. Frames are the venues' own formats, so <c>replay</c> runs
/// them through the real parsers.
/// </summary>
internal static class MarketRecording
{
    private static readonly (string Asset, decimal Price, string Feed)[] Assets =
    [
        ("BTC", 94_000m, ChainlinkOptions.MainnetFeeds[0].Address),
        ("ETH", 3_400m, ChainlinkOptions.MainnetFeeds[1].Address),
    ];

    /// <summary>Writes <paramref name="duration"/> of market from <paramref name="start"/> into <paramref name="directory"/>.</summary>
    public static void Write(string directory, int seed, DateTimeOffset start, TimeSpan duration)
    {
        var random = new Random(seed);
        using var recorder = new FileFrameRecorder(directory);
        var prices = Assets.Select(a => a.Price).ToArray();
        var trends = Assets.Select(_ => 0m).ToArray();
        var nextTurn = Assets.Select(_ => start).ToArray();
        var ids = new long[Assets.Length * 2];
        var rounds = new (long Id, decimal Answer, DateTimeOffset UpdatedAt)[Assets.Length];
        foreach (var asset in Assets)
        {
            Record(recorder, ChainlinkRounds.DecimalsMethod, asset, Word(8), start);
        }

        for (var t = start; t < start + duration; t += TimeSpan.FromMilliseconds(250))
        {
            for (var a = 0; a < Assets.Length; a++)
            {
                if (t >= nextTurn[a])
                {
                    // A trend of ±0.01–0.03 % per second for 2–5 minutes.
                    trends[a] = (random.Next(2) == 0 ? -1 : 1) * (1 + random.Next(3)) / 10_000m;
                    nextTurn[a] = t + TimeSpan.FromSeconds(120 + random.Next(180));
                }

                prices[a] *= 1 + (trends[a] / 4) + ((random.Next(21) - 10) / 400_000m);
                for (var venue = 0; venue < 2; venue++)
                {
                    // About one trade per venue and asset per second, at the market price ± 0.01 %.
                    if (random.Next(4) != 0)
                    {
                        continue;
                    }

                    var tradeAt = t + TimeSpan.FromMilliseconds(random.Next(250));
                    var price = Math.Round(prices[a] * (1 + ((random.Next(21) - 10) / 100_000m)), 2);
                    var size = (1 + random.Next(5000)) / 100_000m;
                    var id = ++ids[(a * 2) + venue];
                    if (venue == 0)
                    {
                        Binance(recorder, Assets[a].Asset, id, price, size, random.Next(2) == 0, tradeAt);
                    }
                    else
                    {
                        Coinbase(recorder, Assets[a].Asset, id, price, size, random.Next(2) == 0, tradeAt);
                    }
                }

                if ((t - start).Ticks % TimeSpan.FromSeconds(15).Ticks == 0)
                {
                    if ((t - start).Ticks % TimeSpan.FromSeconds(45).Ticks == 0)
                    {
                        rounds[a] = (rounds[a].Id + 1, Math.Round(prices[a], 8), t - TimeSpan.FromSeconds(3));
                    }

                    if (rounds[a].Id > 0)
                    {
                        Record(recorder, ChainlinkRounds.LatestRoundDataMethod, Assets[a], LatestRoundData(rounds[a]), t + TimeSpan.FromMilliseconds(120));
                    }
                }
            }
        }
    }

    private static void Binance(FileFrameRecorder recorder, string asset, long id, decimal price, decimal size, bool buyerIsMaker, DateTimeOffset at)
    {
        var ms = at.ToUnixTimeMilliseconds();
        var frame = $$$"""{"stream":"{{{asset.ToLowerInvariant()}}}usdt@aggTrade","data":{"e":"aggTrade","E":{{{ms + 2}}},"s":"{{{asset}}}USDT","a":{{{id}}},"p":"{{{Text(price)}}}","q":"{{{Text(size)}}}","f":{{{id}}},"l":{{{id}}},"T":{{{ms}}},"m":{{{(buyerIsMaker ? "true" : "false")}}},"M":true}}""";
        recorder.Record("binance", "ws", Encoding.UTF8.GetBytes(frame), at + TimeSpan.FromMilliseconds(5));
    }

    private static void Coinbase(FileFrameRecorder recorder, string asset, long id, decimal price, decimal size, bool sell, DateTimeOffset at)
    {
        var time = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        var frame = $$"""{"type":"match","trade_id":{{id}},"maker_order_id":"ac928c66-ca53-498f-9c13-a110027a60e8","taker_order_id":"132fb6ae-456b-4654-b4e0-d681ac05cea1","side":"{{(sell ? "sell" : "buy")}}","size":"{{Text(size)}}","price":"{{Text(price)}}","product_id":"{{asset}}-USD","sequence":{{id}},"time":"{{time}}"}""";
        recorder.Record("coinbase", "ws", Encoding.UTF8.GetBytes(frame), at + TimeSpan.FromMilliseconds(8));
    }

    private static void Record(FileFrameRecorder recorder, string method, (string Asset, decimal Price, string Feed) asset, string result, DateTimeOffset at)
    {
        var body = $$"""{"jsonrpc":"2.0","id":1,"result":"0x{{result}}"}""";
        recorder.Record("chainlink", ChainlinkRounds.Channel(method, asset.Asset + "-USD", asset.Feed), Encoding.UTF8.GetBytes(body), at);
    }

    /// <summary>The ABI encoding of (roundId, answer, startedAt, updatedAt, answeredInRound), 8 decimals.</summary>
    private static string LatestRoundData((long Id, decimal Answer, DateTimeOffset UpdatedAt) round)
    {
        var roundId = (new BigInteger(6) << 64) + round.Id;
        var updated = round.UpdatedAt.ToUnixTimeSeconds();
        return Word(roundId) + Word(new BigInteger(round.Answer * 100_000_000m)) + Word(updated) + Word(updated) + Word(roundId);
    }

    private static string Word(BigInteger value) => value.ToString("x", CultureInfo.InvariantCulture).TrimStart('0').PadLeft(64, '0');

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
