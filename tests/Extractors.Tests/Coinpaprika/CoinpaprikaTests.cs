using System.Globalization;
using CryptoStreams.Extractors.Coinpaprika;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Coinpaprika;

public sealed class CoinpaprikaTests
{
    private static readonly DateTimeOffset Start = new(2025, 6, 25, 10, 48, 0, TimeSpan.Zero);

    private static readonly CoinpaprikaParser Parser = new(new CoinpaprikaOptions().EffectiveCoins());

    private static byte[] Fixture(string name) => Exchange.Fixtures.Rest("coinpaprika", name);

    [Fact]
    public void Ticker_gives_a_usd_quote_with_the_float_read_exactly_from_its_text()
    {
        var result = Parser.Parse(Fixture("tickers_btc-bitcoin.json"), Start);

        var tick = Assert.Single(result.Ticks);
        Assert.False(result.IsRejected);
        Assert.Equal(Sources.Coinpaprika, tick.Source);
        Assert.Equal("BTC-USD", tick.Symbol);
        Assert.Equal(TickKind.Quote, tick.Kind);

        // 17 significant digits: exact as decimal, while double would already round the last digit.
        Assert.Equal("107077.69661924685", tick.Price.ToString(CultureInfo.InvariantCulture));
        Assert.Equal(new DateTimeOffset(2025, 6, 25, 10, 47, 48, TimeSpan.Zero), tick.EventTime);
        Assert.Equal(Start, tick.ReceiveTime);
    }

    [Theory]
    [InlineData("id_not_found.json", "api-error")]
    public void Error_bodies_are_rejected(string file, string reason) =>
        Assert.Equal(reason, Parser.Parse(Fixture(file), Start).RejectReason);

    [Theory]
    [InlineData("""{"id":"doge-dogecoin","last_updated":"2025-06-25T10:47:48Z","quotes":{"USD":{"price":0.17}}}""", "unknown-coin")]
    [InlineData("""{"id":"btc-bitcoin","last_updated":"2025-06-25T10:47:48Z","quotes":{}}""", "missing-price")]
    [InlineData("""{"id":"btc-bitcoin","quotes":{"USD":{"price":1}}}""", "missing-time")]
    [InlineData("""{"id":"btc-bitcoin","last_updated":"2025-06-25T10:47:48Z","quotes":{"USD":{"price":-3}}}""", "invalid-price")]
    [InlineData("""{"last_updated":"2025-06-25T10:47:48Z"}""", "missing-id")]
    [InlineData("{", "unparseable")]
    public void Bad_tickers_are_rejected_with_a_specific_reason(string payload, string reason)
    {
        var result = Parser.Parse(System.Text.Encoding.UTF8.GetBytes(payload), Start);
        Assert.Empty(result.Ticks);
        Assert.Equal(reason, result.RejectReason);
    }

    [Fact]
    public async Task Coins_take_turns_one_call_at_a_time_spaced_to_fit_the_monthly_budget()
    {
        await using var server = new LocalHttpServer(r => CannedResponse.Fixture("coinpaprika", "tickers_" + r.PathAndQuery.Split('/')[^1] + ".json"));
        var options = new CoinpaprikaOptions { BaseUrl = server.BaseUrl };
        var clock = new FakeTimeProvider(Start);
        using var http = new HttpClient();
        var connector = new CoinpaprikaConnector(options, http, new NoFrameRecorder(), NoSourceHealth.Instance, clock, NullLogger<CoinpaprikaConnector>.Instance);
        var waits = new WaitLog();
        connector.Waiting = waits.Add;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        for (var call = 1; call <= 4; call++)
        {
            await Eventually.HoldsAsync(() => waits.Count == call, $"call {call} done");
            clock.Advance(waits.Waits[call - 1].Wait);
        }

        await cts.CancelAsync();
        await run;

        // 31 days / 20,000 calls: one call every 133.92 s, whatever the 60 s interval asks for.
        var spacing = TimeSpan.FromDays(31) / 20_000;
        Assert.All(waits.Waits.Take(4), w => Assert.Equal((spacing, "next-call"), w));
        Assert.True(spacing * 20_000 <= TimeSpan.FromDays(31));
        Assert.Equal(
            ["/v1/tickers/btc-bitcoin", "/v1/tickers/eth-ethereum", "/v1/tickers/link-chainlink", "/v1/tickers/btc-bitcoin"],
            server.Requests.Take(4).Select(r => r.PathAndQuery));
        Assert.Equal(["BTC-USD", "ETH-USD", "LINK-USD", "BTC-USD"], sink.Ticks.Take(4).Select(t => t.Symbol));
        Assert.Equal(2446.7230562377294m, sink.Ticks[1].Price);
    }
}
