using CryptoStreams.Archive;
using CryptoStreams.Cli.Api;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.Kafka;
using CryptoStreams.Loader;
using CryptoStreams.Schema.Kafka;
using CryptoStreams.Topology;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// One place per stage where the host registers it: the stage's own <c>AddXxx</c> extension and its status snapshot
/// for <c>/status</c> and the live view.
/// </summary>
internal static class StageRegistrations
{
    public static void AddLoader(IServiceCollection services, IConfiguration configuration)
    {
        AddCredentialsGate<LoaderOptions>(services, LoaderOptions.Section, o => (o.BootstrapServers, o.Kafka));
        services.AddLoader(configuration);
        services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("loader", () => LoaderView(sp.GetRequiredService<LoaderStatus>().Current)));
    }

    public static void AddArchive(IServiceCollection services, IConfiguration configuration)
    {
        AddCredentialsGate<ArchiveOptions>(services, ArchiveOptions.Section, o => (o.BootstrapServers, o.Kafka));
        services.AddArchive(configuration);
        services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("archive", () => ArchiveView(sp.GetRequiredService<ArchiveStatus>().Current)));
    }

    public static void AddTopology(IServiceCollection services, IConfiguration configuration)
    {
        AddCredentialsGate<TopologyOptions>(services, TopologyOptions.SectionName, o => (o.BootstrapServers, o.Kafka));
        services.AddCryptoTopology(configuration);
        services.AddSingleton<IStageStatusSource>(sp => new DelegateStageStatusSource("topology", () => sp.GetRequiredService<TopologyStatus>()));
    }

    public static void AddExtractors(IServiceCollection services, IConfiguration configuration, string? replayDirectory)
    {
        AddCredentialsGate<KafkaSinkOptions>(services, "Extractors", o => (o.BootstrapServers, o.Security));
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

    // AddSingleton, not AddHostedService: the latter de-duplicates by type, and each stage needs its own gate.
    private static void AddCredentialsGate<TOptions>(IServiceCollection services, string stageSection, Func<TOptions, (string, KafkaSecurityOptions)> select)
        where TOptions : class =>
        services.AddSingleton<IHostedService>(sp => new KafkaCredentialsGate(stageSection, () => select(sp.GetRequiredService<IOptions<TOptions>>().Value)));

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
