using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Coinbase;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.KuCoin;
using CryptoStreams.Extractors.Okx;
using CryptoStreams.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Tests.Exchange;

public sealed class ReconnectBackoffTests
{
    [Fact]
    public void Delays_double_with_jitter_up_to_the_maximum_and_restart_after_a_reset()
    {
        var backoff = new Backoff(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), Jitter: true);
        var random = new Random(3);

        var delays = Enumerable.Range(1, 10).Select(failures => backoff.Step(failures, random)).ToList();

        for (var i = 0; i < delays.Count; i++)
        {
            var ceiling = Math.Min(30, Math.Pow(2, i));
            Assert.InRange(delays[i].TotalSeconds, ceiling / 2, ceiling);
        }

        Assert.True(delays.Distinct().Count() > 5, "jitter spreads the delays");
        Assert.InRange(backoff.Step(1, random).TotalSeconds, 0.5, 1);
    }
}

public sealed class TradeLedgerTests
{
    private static Tick Trade(string symbol, long id) =>
        new(Sources.Okx, TickKind.Trade, symbol, 1m, 1m, TradeSide.Buy, id.ToString(System.Globalization.CultureInfo.InvariantCulture), DateTimeOffset.UnixEpoch.AddSeconds(id), DateTimeOffset.UnixEpoch);

    [Fact]
    public void Repeats_and_trades_older_than_the_window_are_refused_per_symbol()
    {
        var ledger = new TradeLedger(window: 5);

        Assert.True(ledger.TryAccept(Trade("BTC-USDT", 10)));
        Assert.False(ledger.TryAccept(Trade("BTC-USDT", 10)));
        Assert.True(ledger.TryAccept(Trade("ETH-USDT", 10)));
        Assert.True(ledger.TryAccept(Trade("BTC-USDT", 8)));
        Assert.True(ledger.TryAccept(Trade("BTC-USDT", 20)));
        Assert.False(ledger.TryAccept(Trade("BTC-USDT", 14)));
        Assert.Equal((20L, DateTimeOffset.UnixEpoch.AddSeconds(20)), ledger.Anchor("BTC-USDT"));
        Assert.Null(ledger.Anchor("LINK-USDT"));
    }
}

public sealed class ExchangeRegistrationTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddExchangeConnectors(configuration);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void Enabled_venues_become_connectors_and_every_parser_is_registered()
    {
        using var provider = Build(new() { ["Extractors:Binance:Enabled"] = "false" });

        var connectors = provider.GetServices<ISourceConnector>().Select(c => c.Source).Order().ToList();
        var parsers = provider.GetServices<IFrameParser>().Select(p => p.Source).Order().ToList();

        Assert.Equal([Sources.Coinbase, Sources.KuCoin, Sources.Okx], connectors);
        Assert.Equal([Sources.Binance, Sources.Coinbase, Sources.KuCoin, Sources.Okx], parsers);
        Assert.NotNull(provider.GetRequiredService<ExchangeStatusBoard>());
    }

    [Fact]
    public void Defaults_point_at_the_public_endpoints()
    {
        using var provider = Build([]);

        var binance = provider.GetRequiredService<IOptions<BinanceOptions>>().Value;
        var coinbase = provider.GetRequiredService<IOptions<CoinbaseOptions>>().Value;
        Assert.Equal("wss://stream.binance.com:9443", binance.WebSocketUrl);
        Assert.Equal(["BTC-USDT", "ETH-USDT", "LINK-USDT"], binance.Symbols);
        Assert.Equal("wss://ws-feed.exchange.coinbase.com", coinbase.WebSocketUrl);
        Assert.Equal("https://api.kucoin.com", provider.GetRequiredService<IOptions<KuCoinOptions>>().Value.RestUrl);
        Assert.Equal("https://www.okx.com", provider.GetRequiredService<IOptions<OkxOptions>>().Value.RestUrl);
    }

    [Fact]
    public void Invalid_settings_fail_with_messages_naming_the_setting()
    {
        using var provider = Build(new()
        {
            ["Extractors:Okx:WebSocketUrl"] = "https://ws.okx.com",
            ["Extractors:Okx:Symbols:0"] = "BTCUSDTX",
            ["Extractors:Okx:PingAfterSilence"] = "00:00:40",
        });

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<OkxOptions>>().Value);

        Assert.Contains(error.Failures, f => f.Contains("Extractors:Okx:WebSocketUrl", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Extractors:Okx:Symbols 'BTCUSDTX'", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("PingAfterSilence", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Switched_off_connector_returns_at_once()
    {
        var options = new BinanceOptions { Enabled = false };
        options.Symbols.Add("BTC-USDT");
        using var http = new HttpClient();
        using var telemetry = new ExchangeTelemetry();
        using var loggers = LoggerFactory.Create(_ => { });
        var health = new RecordingHealth();
        var connector = new BinanceConnector(options, new BinanceFrameParser(), new ExchangeConnectorContext(http, new NoFrameRecorder(), new ExchangeStatusBoard(), telemetry, TimeProvider.System, loggers, health));

        await connector.RunAsync(new RecordingSink(), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(["off binance"], health.Reports);
    }

    private sealed class RecordingHealth : ISourceHealth
    {
        public List<string> Reports { get; } = [];

        public void Connected(string source) => Reports.Add("connected " + source);

        public void Disconnected(string source, string reason) => Reports.Add("disconnected " + source);

        public void Unreachable(string source, string reason) => Reports.Add("unreachable " + source);

        public void Off(string source, string reason) => Reports.Add("off " + source);
    }
}
