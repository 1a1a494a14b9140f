using System.Diagnostics.Metrics;
using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Topology;

public static class TopologyServiceCollectionExtensions
{
    /// <summary>
    /// Registers the topology stage: <see cref="TopologyOptions"/> bound from the <c>Topology</c> section (bootstrap
    /// servers from <c>Kafka:BootstrapServers</c>) and validated at start-up, the <see cref="TopologyStatus"/>
    /// snapshot, the metrics, and the hosted service that runs the KafkaStream.
    /// </summary>
    public static IServiceCollection AddCryptoTopology(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<TopologyOptions>()
            .Bind(configuration.GetSection(TopologyOptions.SectionName))
            .Configure(options =>
            {
                if (configuration["Kafka:BootstrapServers"] is { Length: > 0 } bootstrap)
                {
                    options.BootstrapServers = bootstrap;
                }
            })
            .BindKafkaSecurity(configuration, TopologyOptions.SectionName, o => o.Kafka)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TopologyOptions>, TopologyOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<TopologyStatus>();
        services.TryAddSingleton(sp => new TopologyMetrics(sp.GetService<IMeterFactory>()));
        services.TryAddSingleton<StreamizMetricsBridge>();
        services.TryAddSingleton(sp => new BrokerInputLag(
            sp.GetRequiredService<IOptions<TopologyOptions>>().Value, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<BrokerInputLag>>()));
        services.TryAddSingleton(sp => new TopologyRuntime(
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<TopologyMetrics>(), sp.GetRequiredService<TopologyStatus>(), sp.GetRequiredService<BrokerInputLag>()));
        services.AddHostedService<TopologyHostedService>();
        return services;
    }
}
