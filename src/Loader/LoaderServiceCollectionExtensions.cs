using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace CryptoStreams.Loader;

public static class LoaderServiceCollectionExtensions
{
    /// <summary>
    /// Registers the loader: <see cref="LoaderOptions"/> from the <c>Loader</c> section (Kafka and database addresses from
    /// <c>Kafka:BootstrapServers</c> and <c>Database:ConnectionString</c> unless the section sets them), validated at
    /// start-up; the <see cref="LoaderStatus"/> snapshot; the <c>CryptoStreams.Loader</c> meter; and <see cref="LoaderService"/>.
    /// </summary>
    public static IServiceCollection AddLoader(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<LoaderOptions>()
            .Configure(o =>
            {
                o.BootstrapServers = configuration["Kafka:BootstrapServers"] ?? o.BootstrapServers;
                o.ConnectionString = configuration["Database:ConnectionString"] ?? o.ConnectionString;
            })
            .Bind(configuration.GetSection(LoaderOptions.Section))
            .BindKafkaSecurity(configuration, LoaderOptions.Section, o => o.Kafka)
            .ValidateDataAnnotations()
            .Validate(o => IsConnectionString(o.ConnectionString), "Database:ConnectionString is not a valid Npgsql connection string.")
            .ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(sp => new LoaderStatus(sp.GetRequiredService<IOptions<LoaderOptions>>().Value.GroupId, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<LoaderMetrics>();
        services.TryAddSingleton(sp => new LoaderDataSource(NpgsqlDataSource.Create(sp.GetRequiredService<IOptions<LoaderOptions>>().Value.ConnectionString)));
        services.AddHostedService<LoaderService>();
        return services;
    }

    private static bool IsConnectionString(string value)
    {
        try
        {
            _ = new NpgsqlConnectionStringBuilder(value);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
