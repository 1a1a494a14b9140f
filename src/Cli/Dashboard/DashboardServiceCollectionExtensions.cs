using CryptoStreams.Cli.Api;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace CryptoStreams.Cli.Dashboard;

internal static class DashboardServiceCollectionExtensions
{
    /// <summary>
    /// The dashboard on <c>GET /</c> of the management API: its settings (<c>Dashboard</c> and <c>Topology</c> sections),
    /// its history from <c>Database:ConnectionString</c> when one is configured, and the feed that follows the topics.
    /// </summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(DashboardSettings.From(configuration));
        services.AddSingleton<DashboardEvents>();
        if (configuration["Database:ConnectionString"] is { Length: > 0 } connectionString)
        {
            services.AddSingleton(sp => new DashboardHistory(NpgsqlDataSource.Create(connectionString), sp.GetRequiredService<DashboardSettings>(), sp.GetRequiredService<TimeProvider>()));
        }

        services.AddSingleton(sp => new DashboardSources(sp.GetService<DashboardHistory>(), sp.GetRequiredService<DashboardEvents>(), sp.GetRequiredService<DashboardSettings>()));
        services.AddHostedService(sp => new DashboardFeed(
            sp.GetRequiredService<Hosting.PipelineSettings>(), sp.GetRequiredService<DashboardSettings>(), sp.GetRequiredService<DashboardEvents>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DashboardFeed>>(), sp.GetService<DashboardHistory>()));
        return services;
    }
}
