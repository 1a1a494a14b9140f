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
    /// its history from <c>Database:ConnectionString</c> when one is configured and from the transformed topics, and the feed that follows the topics.
    /// </summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(DashboardSettings.From(configuration));
        services.AddSingleton<DashboardEvents>();
        var connectionString = configuration["Database:ConnectionString"] is { Length: > 0 } configured ? configured : null;
        if (connectionString is not null)
        {
            services.AddSingleton(sp => new DatabaseHistoryStore(NpgsqlDataSource.Create(connectionString), sp.GetRequiredService<DashboardSettings>()));
        }

        // Without a database the topics are the history: read them back at once rather than on the page's first request.
        services.AddSingleton(sp => new TopicHistoryStore(
            sp.GetRequiredService<Hosting.PipelineSettings>(), sp.GetRequiredService<DashboardSettings>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<TopicHistoryStore>>(), startAtOnce: connectionString is null));
        services.AddHostedService(sp => sp.GetRequiredService<TopicHistoryStore>());
        services.AddSingleton(sp =>
        {
            var settings = sp.GetRequiredService<DashboardSettings>();
            var time = sp.GetRequiredService<TimeProvider>();
            return new DashboardSources(
                sp.GetService<DatabaseHistoryStore>() is { } database ? new DashboardHistory(database, settings, time) : null,
                new DashboardHistory(sp.GetRequiredService<TopicHistoryStore>(), settings, time),
                sp.GetRequiredService<DashboardEvents>(),
                settings);
        });
        services.AddHostedService(sp => new DashboardFeed(
            sp.GetRequiredService<Hosting.PipelineSettings>(), sp.GetRequiredService<DashboardSettings>(), sp.GetRequiredService<DashboardEvents>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<DashboardFeed>>(), sp.GetRequiredService<DashboardSources>().Preferred));
        return services;
    }
}
