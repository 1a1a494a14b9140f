using System.Text.RegularExpressions;
using CryptoStreams.Extractors.Chainlink;
using CryptoStreams.Extractors.CoinCap;
using CryptoStreams.Extractors.CoinGecko;
using CryptoStreams.Extractors.Coinpaprika;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Kafka;
using CryptoStreams.Extractors.Recording;
using CryptoStreams.Extractors.Simulation;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Hosting;

/// <summary>Composition of the extractor stage for any host (<c>cryptostreams extract</c>, <c>up</c>, tests).</summary>
public static partial class ExtractorServiceCollectionExtensions
{
    private static readonly TimeSpan HttpTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Registers the extractor stage from configuration section <c>Extractors</c>: options (validated at start-up),
    /// the Kafka sink, the frame recorder, the exchange, price-API and Chainlink connectors (or only the simulated market
    /// when <c>Extractors:Simulate:Enabled</c>), every source's frame parser (for replay), the status snapshot
    /// <see cref="ExtractorStatus"/> and the <see cref="ExtractorHost"/> background service.
    /// </summary>
    public static IServiceCollection AddExtractors(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddExtractorCore(configuration);
        services.AddHostedService<ExtractorHost>();

        if (configuration.GetValue<bool>(SimulationOptions.Section + ":Enabled"))
        {
            services.AddSingleton<IPublishedEventTime, KafkaPublishedEventTime>();
            services.AddSingleton<ISourceConnector, SimulatedMarketConnector>();
            return services;
        }

        services.AddExchangeConnectors(configuration);

        services.AddSingleton<ISourceConnector>(sp => new CoinGeckoConnector(
            sp.GetRequiredService<IOptions<CoinGeckoOptions>>().Value, Http(sp, Sources.CoinGecko), sp.GetRequiredService<IFrameRecorder>(),
            sp.GetRequiredService<ISourceHealth>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CoinGeckoConnector>>(),
            sp.GetRequiredService<TrackedSymbols>()));
        services.AddSingleton<ISourceConnector>(sp => new CoinpaprikaConnector(
            sp.GetRequiredService<IOptions<CoinpaprikaOptions>>().Value, Http(sp, Sources.Coinpaprika), sp.GetRequiredService<IFrameRecorder>(),
            sp.GetRequiredService<ISourceHealth>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CoinpaprikaConnector>>(),
            sp.GetRequiredService<TrackedSymbols>()));
        services.AddSingleton<ISourceConnector>(sp => new CoinCapConnector(
            sp.GetRequiredService<IOptions<CoinCapOptions>>().Value, Http(sp, Sources.CoinCap), sp.GetRequiredService<IFrameRecorder>(),
            sp.GetRequiredService<ISourceHealth>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<CoinCapConnector>>(),
            sp.GetRequiredService<TrackedSymbols>()));
        services.AddSingleton<ISourceConnector>(sp => new ChainlinkConnector(
            sp.GetRequiredService<IOptions<ChainlinkOptions>>().Value, Http(sp, Sources.Chainlink), sp.GetRequiredService<IFrameRecorder>(),
            sp.GetRequiredService<ISourceHealth>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<ChainlinkConnector>>()));
        return services;
    }

    /// <summary>
    /// Everything but the connectors and the host: options, sink, recorder, parsers, status, metrics and the
    /// replayer. <c>cryptostreams replay</c> uses this alone.
    /// </summary>
    public static IServiceCollection AddExtractorCore(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddLogging();

        services.AddOptions<ExtractorsOptions>()
            .Bind(configuration.GetSection(ExtractorsOptions.Section))
            .ValidateDataAnnotations()
            .Validate(
                o => !o.CandleBackfillEnabled || TimeSpan.FromMinutes(o.CandleBackfillCandles) >= o.CandleBackfillInterval,
                "Extractors:CandleBackfillCandles (1-minute candles per run) must cover Extractors:CandleBackfillInterval, or minutes between runs are never fetched; raise the count, shorten the interval or set Extractors:CandleBackfillEnabled=false.")
            .ValidateOnStart();
        services.AddOptions<KafkaSinkOptions>()
            .Bind(configuration.GetSection(KafkaSinkOptions.Section))
            .PostConfigure(o => o.BootstrapServers = configuration["Kafka:BootstrapServers"] is { Length: > 0 } bootstrap ? bootstrap : o.BootstrapServers)
            .BindKafkaSecurity(configuration, "Extractors", o => o.Security)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<CoinGeckoOptions>().Bind(configuration.GetSection(CoinGeckoOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CoinpaprikaOptions>().Bind(configuration.GetSection(CoinpaprikaOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<CoinCapOptions>().Bind(configuration.GetSection(CoinCapOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ChainlinkOptions>()
            .Bind(configuration.GetSection(ChainlinkOptions.Section))
            .ValidateDataAnnotations()
            .Validate(o => o.Feeds.All(f => FeedAddress().IsMatch(f.Address) && CanonicalSymbol.TryParse(f.Symbol, out _)), "Extractors:Chainlink:Feeds: every feed needs a symbol like BTC-USD and an address 0x + 40 hex digits.")
            .ValidateOnStart();
        services.AddOptions<SimulationOptions>().Bind(configuration.GetSection(SimulationOptions.Section)).ValidateDataAnnotations().ValidateOnStart();

        foreach (var source in new[] { Sources.CoinGecko, Sources.Coinpaprika, Sources.CoinCap, Sources.Chainlink })
        {
            services.AddHttpClient(source, client =>
            {
                client.Timeout = HttpTimeout;
                client.DefaultRequestHeaders.UserAgent.ParseAdd("cryptostreams/1.0");
            });
        }

        services.TryAddSingleton(_ => CreateTrackedSymbols(configuration));
        services.TryAddSingleton<ExtractorMetrics>();
        services.TryAddSingleton<ExtractorStatus>();
        services.TryAddSingleton<ISourceHealth>(sp => sp.GetRequiredService<ExtractorStatus>());
        services.TryAddSingleton<KafkaRawSink>();
        services.TryAddSingleton<IRawSink>(sp => sp.GetRequiredService<KafkaRawSink>());
        services.TryAddSingleton<IFrameRecorder>(sp =>
            sp.GetRequiredService<IOptions<ExtractorsOptions>>().Value.RecordDirectory is { Length: > 0 } dir
                ? new FileFrameRecorder(dir)
                : new NoFrameRecorder());

        services.AddSingleton<IFrameParser>(sp => new CoinGeckoParser(sp.GetRequiredService<IOptions<CoinGeckoOptions>>().Value.EffectiveCoins()));
        services.AddSingleton<IFrameParser>(sp => new CoinpaprikaParser(sp.GetRequiredService<IOptions<CoinpaprikaOptions>>().Value.EffectiveCoins()));
        services.AddSingleton<IFrameParser>(sp => new CoinCapParser(sp.GetRequiredService<IOptions<CoinCapOptions>>().Value.EffectiveCoins()));
        services.AddSingleton<IRecordedFrameReplay, ChainlinkRecordingReplay>();
        services.TryAddSingleton<FrameReplayer>();
        return services;
    }

    /// <summary>
    /// What <c>cryptostreams replay</c> needs: <see cref="AddExtractorCore"/> plus every exchange's frame parser
    /// (registered with the exchange connectors, which replay never starts).
    /// </summary>
    public static IServiceCollection AddExtractorReplay(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddExtractorCore(configuration);
        services.AddExchangeConnectors(configuration);
        return services;
    }

    /// <summary>The tracked symbols from <c>Extractors:Symbols</c>, or <see cref="TrackedSymbols.Defaults"/>.</summary>
    public static TrackedSymbols CreateTrackedSymbols(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var configured = configuration.GetSection(ExtractorsOptions.Section + ":Symbols").Get<string[]>();
        return new TrackedSymbols(configured is { Length: > 0 } ? configured : TrackedSymbols.Defaults);
    }

    private static HttpClient Http(IServiceProvider services, string source) =>
        services.GetRequiredService<IHttpClientFactory>().CreateClient(source);

    [GeneratedRegex("^0x[0-9a-fA-F]{40}$")]
    private static partial Regex FeedAddress();
}
