using System.Diagnostics.Metrics;
using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Coinbase;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.KuCoin;
using CryptoStreams.Extractors.Okx;
using CryptoStreams.Extractors.Recording;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Registers the four exchange connectors for the extractor host: each venue's options (bound from
/// <c>Extractors:Binance</c>, <c>Extractors:KuCoin</c>, <c>Extractors:Okx</c>, <c>Extractors:Coinbase</c> and
/// validated at start-up), every parser as <see cref="IFrameParser"/> (replay needs them even for venues switched
/// off), each enabled venue's connector as <see cref="ISourceConnector"/>, and the <see cref="ExchangeStatusBoard"/>.
/// Defaults point at the venues' real public endpoints.
/// </summary>
public static class ExchangeConnectors
{
    /// <summary>Some venues (Coinbase) refuse requests without a User-Agent.</summary>
    public const string UserAgent = "CryptoStreams/1.0 (+https://github.com/cryptostreams)";

    public static IServiceCollection AddExchangeConnectors(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<ExchangeStatusBoard>();
        services.TryAddSingleton<VenueInstruments>();
        services.AddMetrics();
        services.TryAddSingleton(sp => new ExchangeTelemetry(sp.GetService<IMeterFactory>()));

        AddVenue<BinanceOptions, BinanceFrameParser>(services, configuration, BinanceOptions.Section, ["BTC-USDT", "ETH-USDT", "LINK-USDT"], (o, p, c) => new BinanceConnector(o, p, c), new BinanceReferenceApi());
        AddVenue<KuCoinOptions, KuCoinFrameParser>(services, configuration, KuCoinOptions.Section, ["BTC-USDT", "ETH-USDT", "LINK-USDT"], (o, p, c) => new KuCoinConnector(o, p, c), new KuCoinReferenceApi());
        AddVenue<OkxOptions, OkxFrameParser>(services, configuration, OkxOptions.Section, ["BTC-USDT", "ETH-USDT", "LINK-USDT"], (o, p, c) => new OkxConnector(o, p, c), new OkxReferenceApi());
        AddVenue<CoinbaseOptions, CoinbaseFrameParser>(services, configuration, CoinbaseOptions.Section, ["BTC-USD", "ETH-USD", "LINK-USD"], (o, p, c) => new CoinbaseConnector(o, p, c), new CoinbaseReferenceApi());
        return services;
    }

    private static void AddVenue<TOptions, TParser>(
        IServiceCollection services,
        IConfiguration configuration,
        string section,
        string[] defaultSymbols,
        Func<TOptions, TParser, ExchangeConnectorContext, ISourceConnector> create,
        IVenueReferenceApi reference)
        where TOptions : ExchangeOptions
        where TParser : class, IFrameParser, new()
    {
        var venueSection = configuration.GetSection(section);
        services.AddOptions<TOptions>()
            .Bind(venueSection)
            .PostConfigure(options =>
            {
                if (options.Symbols.Count == 0)
                {
                    foreach (var symbol in defaultSymbols)
                    {
                        options.Symbols.Add(symbol);
                    }
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, ExchangeOptionsValidator<TOptions>>());

        services.TryAddSingleton<TParser>();
        services.AddSingleton<IFrameParser>(sp => sp.GetRequiredService<TParser>());
        services.AddSingleton(reference);
        var source = reference.Source;
        services.AddSingleton<IRecordedFrameReplay>(sp => new ExchangeJobReplay(Reference(sp, source)));

        var client = typeof(TOptions).Name;
        services.AddHttpClient(client, http => http.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent));
        if (!venueSection.GetValue("Enabled", true))
        {
            return;
        }

        services.AddSingleton(sp => create(
            sp.GetRequiredService<IOptions<TOptions>>().Value,
            sp.GetRequiredService<TParser>(),
            new ExchangeConnectorContext(
                sp.GetRequiredService<IHttpClientFactory>().CreateClient(client),
                // The host decides about recording (--record); without a recorder nothing is recorded.
                sp.GetService<IFrameRecorder>() ?? new NoFrameRecorder(),
                sp.GetRequiredService<ExchangeStatusBoard>(),
                sp.GetRequiredService<ExchangeTelemetry>(),
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILoggerFactory>(),
                sp.GetService<ISourceHealth>(),
                sp.GetService<TrackedSymbols>(),
                sp.GetRequiredService<VenueInstruments>())));

        // The scheduled jobs of this venue; the host runs them at Extractors:InstrumentRefreshInterval and
        // Extractors:CandleBackfillInterval (and leaves the candle backfill out when it is switched off).
        services.AddSingleton<IScheduledJob>(sp => new InstrumentRefreshJob(
            Reference(sp, source), sp.GetRequiredService<IOptions<TOptions>>().Value, JobContext(sp, client), sp.GetRequiredService<VenueInstruments>(), Streamed<TOptions>(sp)));
        services.AddSingleton<IScheduledJob>(sp => new CandleBackfillJob(
            Reference(sp, source),
            sp.GetRequiredService<IOptions<TOptions>>().Value,
            JobContext(sp, client),
            sp.GetRequiredService<VenueInstruments>(),
            Streamed<TOptions>(sp),
            sp.GetRequiredService<IOptions<Hosting.ExtractorsOptions>>().Value.CandleBackfillCandles));
    }

    private static IVenueReferenceApi Reference(IServiceProvider services, string source) =>
        services.GetServices<IVenueReferenceApi>().First(api => api.Source == source);

    private static StreamedSymbols Streamed<TOptions>(IServiceProvider services)
        where TOptions : ExchangeOptions =>
        new(services.GetRequiredService<IOptions<TOptions>>().Value, services.GetService<TrackedSymbols>());

    private static ExchangeJobContext JobContext(IServiceProvider services, string client) => new(
        services.GetRequiredService<IHttpClientFactory>().CreateClient(client),
        services.GetService<IFrameRecorder>() ?? new NoFrameRecorder(),
        services.GetRequiredService<ExchangeStatusBoard>(),
        services.GetRequiredService<TimeProvider>(),
        services.GetRequiredService<ILoggerFactory>());
}
