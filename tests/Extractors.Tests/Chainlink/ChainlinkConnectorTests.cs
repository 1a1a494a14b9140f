using System.Collections.Concurrent;
using System.Text.Json;
using CryptoStreams.Extractors.Chainlink;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Chainlink;

public sealed class ChainlinkConnectorTests
{
    internal const string BtcFeed = "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c";
    internal const string EthFeed = "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419";
    internal const string LinkFeed = "0x2c1d072e956AFFC0D435Cb7AC38EF18d24d9127c";

    private static readonly DateTimeOffset Start = new(2024, 3, 25, 9, 0, 0, TimeSpan.Zero);

    /// <summary>
    /// A JSON-RPC endpoint answering eth_call from recorded responses: decimals() always, latestRoundData() from a
    /// per-feed script (the last entry repeats).
    /// </summary>
    internal sealed class FakeEthereum
    {
        private readonly ConcurrentDictionary<string, ConcurrentQueue<string>> _scripts = new(StringComparer.OrdinalIgnoreCase);

        public ConcurrentQueue<(string To, string Data)> Calls { get; } = new();

        public void Script(string feed, params string[] fixtures) => _scripts[feed] = new ConcurrentQueue<string>(fixtures);

        public CannedResponse Answer(ReceivedRequest request)
        {
            using var json = JsonDocument.Parse(request.Body);
            var call = json.RootElement.GetProperty("params")[0];
            var to = call.GetProperty("to").GetString()!;
            var data = call.GetProperty("data").GetString()!;
            Assert.Equal("eth_call", json.RootElement.GetProperty("method").GetString());
            Assert.Equal("latest", json.RootElement.GetProperty("params")[1].GetString());
            Calls.Enqueue((to, data));
            if (data == AbiDecoder.DecimalsSelector)
            {
                return CannedResponse.Fixture("chainlink", "decimals_8.json");
            }

            var script = _scripts[to];
            var fixture = script.Count > 1 && script.TryDequeue(out var next) ? next : script.TryPeek(out var last) ? last : throw new InvalidOperationException("no script");
            return CannedResponse.Fixture("chainlink", fixture);
        }
    }

    private static (ChainlinkConnector Connector, WaitLog Waits, FakeTimeProvider Clock, HealthLog Health, HttpClient Http) Connector(Uri rpc)
    {
        var clock = new FakeTimeProvider(Start);
        var http = new HttpClient();
        var health = new HealthLog();
        var connector = new ChainlinkConnector(new ChainlinkOptions { RpcUrl = rpc }, http, new NoFrameRecorder(), health, clock, NullLogger<ChainlinkConnector>.Instance);
        var waits = new WaitLog();
        connector.Waiting = waits.Add;
        return (connector, waits, clock, health, http);
    }

    [Fact]
    public async Task Publishes_a_round_only_when_its_id_changes_and_reads_decimals_once_per_feed()
    {
        var ethereum = new FakeEthereum();
        ethereum.Script(BtcFeed, "btc_usd_round_8726.json", "btc_usd_round_8726.json", "btc_usd_round_8727.json");
        ethereum.Script(EthFeed, "eth_usd_round_9531.json");
        ethereum.Script(LinkFeed, "link_usd_round_33421.json");
        await using var server = new LocalHttpServer(ethereum.Answer);
        var (connector, waits, clock, _, http) = Connector(server.BaseUrl);
        using var __ = http;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first poll");
        Assert.Equal(3, sink.Rounds.Count);
        var btc = sink.Rounds.Single(r => r.Symbol == "BTC-USD");
        Assert.Equal(Sources.Chainlink, btc.Source);
        Assert.Equal(BtcFeed, btc.FeedAddress);
        Assert.Equal(UInt128.Parse("110680464442257318422", System.Globalization.CultureInfo.InvariantCulture), btc.RoundId);
        Assert.Equal(67123.45678901m, btc.Answer);
        Assert.Equal(8, btc.Decimals);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711356299), btc.UpdatedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711356287), btc.StartedAt);
        Assert.Equal(btc.RoundId, btc.AnsweredInRound);
        Assert.Equal(Start, btc.ReceiveTime);
        Assert.Equal(18.61m, sink.Rounds.Single(r => r.Symbol == "LINK-USD").Answer);

        clock.Advance(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => waits.Count == 2, "second poll");
        Assert.Equal(3, sink.Rounds.Count);

        clock.Advance(TimeSpan.FromSeconds(30));
        await Eventually.HoldsAsync(() => waits.Count == 3, "third poll");
        Assert.Equal(4, sink.Rounds.Count);
        Assert.Equal(67487.9m, sink.Rounds[^1].Answer);
        Assert.Equal(3, ethereum.Calls.Count(c => c.Data == AbiDecoder.DecimalsSelector));
        Assert.Equal(9, ethereum.Calls.Count(c => c.Data == AbiDecoder.LatestRoundDataSelector));
        Assert.Empty(sink.DeadLetters);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Rpc_errors_back_off_and_are_reported_then_reading_resumes_without_duplicates()
    {
        var ethereum = new FakeEthereum();
        ethereum.Script(BtcFeed, "btc_usd_round_8726.json", "error_rate_limited.json", "btc_usd_round_8726.json");
        ethereum.Script(EthFeed, "eth_usd_round_9531.json");
        ethereum.Script(LinkFeed, "link_usd_round_33421.json");
        await using var server = new LocalHttpServer(ethereum.Answer);
        var (connector, waits, clock, health, http) = Connector(server.BaseUrl);
        using var __ = http;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first poll");
        clock.Advance(waits.Waits[0].Wait);
        await Eventually.HoldsAsync(() => waits.Count == 2, "failing poll");
        Assert.Equal((TimeSpan.FromSeconds(30), "backoff"), waits.Waits[1]);
        var problem = Assert.Single(health.Problems);
        Assert.Contains("rate limit exceeded", problem, StringComparison.Ordinal);

        clock.Advance(waits.Waits[1].Wait);
        await Eventually.HoldsAsync(() => waits.Count == 3, "recovered poll");
        Assert.Equal((TimeSpan.FromSeconds(30), "next-call"), waits.Waits[2]);
        Assert.Equal(3, sink.Rounds.Count);
        Assert.Equal(3, sink.Rounds.Select(r => r.Symbol).Distinct().Count());
        Assert.Empty(sink.DeadLetters);

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_truncated_result_is_dead_lettered_with_the_response_and_the_other_feeds_carry_on()
    {
        var ethereum = new FakeEthereum();
        ethereum.Script(BtcFeed, "truncated_result.json");
        ethereum.Script(EthFeed, "eth_usd_round_9531.json");
        ethereum.Script(LinkFeed, "link_usd_round_33421.json");
        await using var server = new LocalHttpServer(ethereum.Answer);
        var (connector, waits, _, _, http) = Connector(server.BaseUrl);
        using var __ = http;
        var sink = new MemorySink();
        using var cts = new CancellationTokenSource();
        var run = connector.RunAsync(sink, cts.Token);

        await Eventually.HoldsAsync(() => waits.Count == 1, "first poll");
        await cts.CancelAsync();
        await run;

        var letter = Assert.Single(sink.DeadLetters);
        Assert.Equal("abi-decode", letter.Reason);
        Assert.Equal(Sources.Chainlink, letter.Source);
        Assert.Equal(File.ReadAllBytes(Path.Combine(RepositoryPaths.Fixtures, "chainlink", "truncated_result.json")), letter.Payload);
        Assert.Equal(["ETH-USD", "LINK-USD"], sink.Rounds.Select(r => r.Symbol).Order());
    }
}
