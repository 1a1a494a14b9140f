using CryptoStreams.Broker.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CryptoStreams.Broker;

/// <summary>Registers the embedded broker as a hosted service.</summary>
public static class BrokerServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="BrokerOptions"/> from the <c>Broker</c> section (validated at start-up) and hosts the broker;
    /// <see cref="BrokerStatusSource"/> is registered as the status snapshot for status views.
    /// </summary>
    public static IServiceCollection AddEmbeddedBroker(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<BrokerOptions>()
            .Bind(configuration.GetSection(BrokerOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<BrokerStatusSource>();
        services.AddHostedService<EmbeddedBrokerService>();
        return services;
    }
}
