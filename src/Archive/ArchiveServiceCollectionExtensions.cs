using CryptoStreams.Archive.Destinations;
using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Archive;

public static class ArchiveServiceCollectionExtensions
{
    /// <summary>
    /// Registers the archive: <see cref="ArchiveOptions"/> from the <c>Archive</c> section (the Kafka address from
    /// <c>Kafka:BootstrapServers</c> unless the section sets it), validated at start-up; the destination (S3 when
    /// <c>Archive:S3:Bucket</c> is set, else the local folder); the <see cref="ArchiveStatus"/> snapshot; the
    /// <c>CryptoStreams.Archive</c> meter; and <see cref="ArchiveService"/>.
    /// </summary>
    public static IServiceCollection AddArchive(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<ArchiveOptions>()
            .Configure(o => o.BootstrapServers = configuration["Kafka:BootstrapServers"] ?? o.BootstrapServers)
            .Bind(configuration.GetSection(ArchiveOptions.Section))
            .BindKafkaSecurity(configuration, ArchiveOptions.Section, o => o.Kafka)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IArchiveDestination>(sp => CreateDestination(sp.GetRequiredService<IOptions<ArchiveOptions>>().Value));
        services.TryAddSingleton(sp => new ArchiveStatus(
            sp.GetRequiredService<IOptions<ArchiveOptions>>().Value.GroupId, sp.GetRequiredService<IArchiveDestination>().Description, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ArchiveMetrics>();
        services.AddHostedService<ArchiveService>();
        return services;
    }

    private static IArchiveDestination CreateDestination(ArchiveOptions options) =>
        options.S3.Configured
            ? new S3ArchiveDestination(options.S3, Path.Combine(options.Directory, "_staging"))
            : new LocalArchiveDestination(options.Directory);
}
