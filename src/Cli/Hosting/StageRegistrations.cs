using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// One place per stage where the host registers it: the stage's own <c>AddXxx</c> extension and its status snapshot.
/// </summary>
internal static class StageRegistrations
{
    public static void AddLoader(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        throw new NotSupportedException("the loader stage is not on main yet (issue #5)");
    }

    public static void AddTopology(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        throw new NotSupportedException("the topology stage is not on main yet (issue #8)");
    }

    public static void AddExtractors(IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        throw new NotSupportedException("the extractors are not on main yet (issue #7)");
    }
}
