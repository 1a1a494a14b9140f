using CryptoStreams.Cli.Dashboard;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Cli.Api;

/// <summary>Runs the <see cref="ManagementApiServer"/> inside a pipeline host, over that host's stage snapshots.</summary>
internal sealed partial class ManagementApiService(
    IOptions<ApiOptions> options,
    ISymbolRegistry symbols,
    IEnumerable<IStageStatusSource> stages,
    TimeProvider time,
    ILoggerFactory loggerFactory,
    DashboardSources? dashboard = null) : IHostedService, IAsyncDisposable
{
    private ManagementApiServer? server;

    public Uri? Url => server?.Url;

    /// <summary>The dashboard's address, once the API listens and serves it.</summary>
    public Uri? PageUrl { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Enabled)
        {
            server = await ManagementApiServer.StartAsync(options.Value, symbols, [.. stages], time, loggerFactory, dashboard, cancellationToken).ConfigureAwait(false);
            if (dashboard is not null)
            {
                PageUrl = DashboardEndpoints.PageUrl(server.Url, options.Value);
                Log.Dashboard(loggerFactory.CreateLogger<ManagementApiService>(), PageUrl);
            }
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync().ConfigureAwait(false);

    public async ValueTask DisposeAsync()
    {
        if (server is not null)
        {
            await server.DisposeAsync().ConfigureAwait(false);
            server = null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Dashboard: {Url}")]
        public static partial void Dashboard(ILogger logger, Uri url);
    }
}

internal static class ManagementApiServiceCollectionExtensions
{
    /// <summary>
    /// Registers the management API (<c>Api</c> section, validated at start-up) and the symbol registry, seeded from
    /// <c>Extractors:Symbols</c> when configured.
    /// </summary>
    public static IServiceCollection AddManagementApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>();
        // With the extractors in the same host, /symbols changes what they track; otherwise it only keeps a list.
        services.AddSingleton<ISymbolRegistry>(sp => new SymbolRegistry(sp.GetService<TrackedSymbols>() ?? ExtractorServiceCollectionExtensions.CreateTrackedSymbols(configuration)));
        services.AddSingleton<ManagementApiService>();
        services.AddHostedService(sp => sp.GetRequiredService<ManagementApiService>());
        return services;
    }

    /// <summary>Shows a stage's snapshot singleton of type <typeparamref name="T"/> under <paramref name="stage"/> in <c>/status</c>.</summary>
    public static IServiceCollection AddStageStatus<T>(this IServiceCollection services, string stage)
        where T : class =>
        services.AddSingleton<IStageStatusSource>(sp => new StageStatusSource<T>(stage, sp));
}
