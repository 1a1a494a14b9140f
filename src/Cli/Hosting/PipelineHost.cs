using CryptoStreams.Broker;
using CryptoStreams.Broker.Hosting;
using CryptoStreams.Cli.Api;
using CryptoStreams.Cli.Dashboard;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// Composes the stages into one host. Hosted services start in registration order and stop in reverse, so the
/// order below is the pipeline's: the broker first, then topics, loader, topology, extractors, API; on Ctrl+C the
/// API and extractors stop first (they flush what they produced), then the topology, the loader, and the broker last.
/// </summary>
internal static class PipelineHost
{
    public static IServiceCollection AddPipeline(this IServiceCollection services, IConfiguration configuration, PipelineSettings settings)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.TryAddTimeProvider();
        services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(60));

        if (settings.Runs(PipelineStages.Broker))
        {
            services.AddEmbeddedBroker(configuration);
            services.AddSingleton<IStageStatusSource>(sp =>
                new DelegateStageStatusSource("broker", () => sp.GetRequiredService<BrokerStatusSource>().Current));
        }

        services.AddHostedService<TopicsInitializer>();

        if (settings.Runs(PipelineStages.Loader))
        {
            StageRegistrations.AddLoader(services, configuration);
        }

        if (settings.Runs(PipelineStages.Archive))
        {
            StageRegistrations.AddArchive(services, configuration);
        }

        if (settings.Runs(PipelineStages.Topology))
        {
            StageRegistrations.AddTopology(services, configuration);
        }

        if (settings.Runs(PipelineStages.Topology) && settings.Runs(PipelineStages.Extractors))
        {
            services.AddHostedService<TopologyReadyGate>();
        }

        if (settings.Runs(PipelineStages.Extractors))
        {
            StageRegistrations.AddExtractors(services, configuration, settings.ReplayDirectory);
        }

        if (settings.Runs(PipelineStages.Topology))
        {
            services.AddSingleton<LatestResults>();
            services.AddHostedService(sp => sp.GetRequiredService<LatestResults>());
            services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("results", () => sp.GetRequiredService<LatestResults>().Snapshot()));
        }

        if (settings.Runs(PipelineStages.Api))
        {
            services.AddManagementApi(configuration);
            services.AddDashboard(configuration);
        }

        return services;
    }

    private static void TryAddTimeProvider(this IServiceCollection services)
    {
        if (!services.Any(d => d.ServiceType == typeof(TimeProvider)))
        {
            services.AddSingleton(TimeProvider.System);
        }
    }
}
