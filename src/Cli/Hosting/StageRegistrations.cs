using CryptoStreams.Archive;
using CryptoStreams.Cli.Api;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Loader;
using CryptoStreams.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// One place per stage where the host registers it: the stage's own <c>AddXxx</c> extension and its status snapshot
/// for <c>/status</c> and the live view.
/// </summary>
internal static class StageRegistrations
{
    public static void AddLoader(IServiceCollection services, IConfiguration configuration)
    {
        services.AddLoader(configuration);
        services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("loader", () => LoaderView(sp.GetRequiredService<LoaderStatus>().Current)));
    }

    public static void AddArchive(IServiceCollection services, IConfiguration configuration)
    {
        services.AddArchive(configuration);
        services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("archive", () => ArchiveView(sp.GetRequiredService<ArchiveStatus>().Current)));
    }

    public static void AddTopology(IServiceCollection services, IConfiguration configuration)
    {
        services.AddCryptoTopology(configuration);
        services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("topology", () => sp.GetRequiredService<TopologyStatus>()));
    }

    public static void AddExtractors(IServiceCollection services, IConfiguration configuration, string? replayDirectory)
    {
        if (replayDirectory is null)
        {
            services.AddExtractors(configuration);
        }
        else
        {
            services.AddExtractorCore(configuration);
            services.AddSingleton(new ReplayDirectory(replayDirectory));
            services.AddHostedService<RecordingReplayService>();
        }

        services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("extractors", () => sp.GetRequiredService<ExtractorStatus>().Snapshot()));
    }

    /// <summary>The archive snapshot with its lag keyed by <c>topic[partition]</c> text, which JSON can carry.</summary>
    private static object ArchiveView(ArchiveSnapshot s) => new
    {
        s.State,
        s.GroupId,
        s.Destination,
        s.Files,
        s.Rows,
        s.Bytes,
        s.DeadLetters,
        s.RowsPerSecond,
        s.OpenFiles,
        s.BufferedRows,
        s.TotalLag,
        Lag = s.Lag.Where(p => p.Value > 0).ToDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal),
        s.LastFile,
        s.LastError,
        s.UpdatedAt,
    };

    /// <summary>The loader snapshot with its lag keyed by <c>topic[partition]</c> text, which JSON can carry.</summary>
    private static object LoaderView(LoaderSnapshot s) => new
    {
        s.State,
        s.Mode,
        s.GroupId,
        s.RecordsConsumed,
        s.RowsWritten,
        s.DeadLetters,
        s.Batches,
        s.RowsPerSecond,
        LastBatchMs = Math.Round(s.LastBatchLatency.TotalMilliseconds, 1),
        s.TotalLag,
        Lag = s.Lag.Where(p => p.Value > 0).ToDictionary(p => p.Key.ToString(), p => p.Value, StringComparer.Ordinal),
        s.LastError,
        s.UpdatedAt,
    };
}
