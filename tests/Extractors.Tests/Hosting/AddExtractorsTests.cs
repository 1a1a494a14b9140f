using CryptoStreams.Extractors.Chainlink;
using CryptoStreams.Extractors.CoinGecko;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.Kafka;
using CryptoStreams.Extractors.Simulation;
using CryptoStreams.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Tests.Hosting;

public sealed class AddExtractorsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddExtractors(configuration).BuildServiceProvider();
    }

    [Fact]
    public void Live_mode_registers_the_price_apis_and_chainlink_their_parsers_and_the_host()
    {
        using var services = Build(new() { ["Kafka:BootstrapServers"] = "127.0.0.1:19092", ["Extractors:Chainlink:RpcUrl"] = "http://127.0.0.1:8545/" });

        Assert.Equal(
            [Sources.Binance, Sources.Chainlink, Sources.Coinbase, Sources.CoinCap, Sources.CoinGecko, Sources.Coinpaprika, Sources.KuCoin, Sources.Okx],
            services.GetServices<ISourceConnector>().Select(c => c.Source).Order(StringComparer.Ordinal));
        Assert.Equal(
            [Sources.Binance, Sources.Coinbase, Sources.CoinCap, Sources.CoinGecko, Sources.Coinpaprika, Sources.KuCoin, Sources.Okx],
            services.GetServices<IFrameParser>().Select(p => p.Source).Order(StringComparer.Ordinal));
        Assert.Single(services.GetServices<IHostedService>().OfType<ExtractorHost>());
        Assert.Equal("127.0.0.1:19092", services.GetRequiredService<IOptions<KafkaSinkOptions>>().Value.BootstrapServers);
        Assert.IsType<NoFrameRecorder>(services.GetRequiredService<IFrameRecorder>());
        Assert.Same(services.GetRequiredService<ExtractorStatus>(), services.GetRequiredService<ISourceHealth>());
    }

    [Fact]
    public void A_switched_off_venue_is_not_run_but_its_parser_stays_for_replay()
    {
        using var services = Build(new() { ["Extractors:Okx:Enabled"] = "false", ["Extractors:Chainlink:Enabled"] = "false" });

        var sources = services.GetServices<ISourceConnector>().Select(c => c.Source).ToList();
        Assert.DoesNotContain(Sources.Okx, sources);
        Assert.Contains(Sources.Binance, sources);
        Assert.Contains(Sources.Okx, services.GetServices<IFrameParser>().Select(p => p.Source));
    }

    [Fact]
    public void Replay_registration_has_every_parser_and_no_host()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>()).Build();
        using var services = new ServiceCollection().AddExtractorReplay(configuration).BuildServiceProvider();

        Assert.Equal(7, services.GetServices<IFrameParser>().Select(p => p.Source).Distinct().Count());
        Assert.Empty(services.GetServices<IHostedService>());
        Assert.NotNull(services.GetRequiredService<CryptoStreams.Extractors.Recording.FrameReplayer>());
    }

    [Fact]
    public void Simulate_mode_runs_only_the_simulated_market()
    {
        using var services = Build(new() { ["Extractors:Simulate:Enabled"] = "true", ["Extractors:Simulate:Seed"] = "9", ["Extractors:Simulate:Speed"] = "120" });

        var connector = Assert.Single(services.GetServices<ISourceConnector>());
        Assert.Equal(SimulatedMarketConnector.SourceName, connector.Source);
        var options = services.GetRequiredService<IOptions<SimulationOptions>>().Value;
        Assert.Equal(9, options.Seed);
        Assert.Equal(120, options.Speed);
    }

    [Fact]
    public void Configured_coins_and_feeds_replace_the_defaults()
    {
        using var services = Build(new()
        {
            ["Extractors:CoinGecko:Coins:solana"] = "sol",
            ["Extractors:Chainlink:Feeds:0:Symbol"] = "SOL/USD",
            ["Extractors:Chainlink:Feeds:0:Address"] = "0x4ffC43a60e009B551865A93d232E33Fce9f01507",
        });

        var coins = services.GetRequiredService<IOptions<CoinGeckoOptions>>().Value.EffectiveCoins();
        Assert.Equal(new Dictionary<string, string> { ["solana"] = "SOL" }, coins);
        var feed = Assert.Single(services.GetRequiredService<IOptions<ChainlinkOptions>>().Value.EffectiveFeeds());
        Assert.Equal("SOL/USD", feed.Symbol);
    }

    [Theory]
    [InlineData("Extractors:Kafka:Compression", "brotli", "Compression")]
    [InlineData("Extractors:CoinGecko:MaxCallsPerMinute", "0", "MaxCallsPerMinute")]
    [InlineData("Extractors:Chainlink:Feeds:0:Address", "0x1234", "Feeds")]
    public void Invalid_settings_fail_validation_naming_the_setting(string key, string value, string named)
    {
        using var services = Build(new() { [key] = value, ["Extractors:Chainlink:Feeds:0:Symbol"] = "BTC-USD", ["Extractors:Chainlink:Feeds:0:Address"] = key.EndsWith("Address", StringComparison.Ordinal) ? value : "0xF4030086522a5bEEa4988F8cA5B36dbC97BeE88c" });

        var error = Assert.Throws<OptionsValidationException>(() =>
        {
            _ = services.GetRequiredService<IOptions<KafkaSinkOptions>>().Value;
            _ = services.GetRequiredService<IOptions<CoinGeckoOptions>>().Value;
            _ = services.GetRequiredService<IOptions<ChainlinkOptions>>().Value;
        });
        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }
}
