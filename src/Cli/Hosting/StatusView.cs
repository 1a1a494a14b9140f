using CryptoStreams.Archive;
using CryptoStreams.Broker;
using CryptoStreams.Cli.Api;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Loader;
using CryptoStreams.Topology;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// The live status view of <c>cryptostreams up</c>: per-source rates and gaps, the broker, topology and loader (with
/// consumer lag), the last deviation per symbol and the last signals, and the latest log lines, redrawn every second. On a non-interactive console it prints nothing
/// and leaves the console to the logs.
/// </summary>
internal sealed class StatusView(
    IAnsiConsole console,
    IEnumerable<IStageStatusSource> stages,
    RecentLogs logs,
    PipelineSettings settings,
    TimeProvider time,
    LoaderStatus? loader = null,
    ArchiveStatus? archive = null,
    ManagementApiService? api = null) : BackgroundService
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = time.GetUtcNow();
        try
        {
            await console.Live(Render(started)).AutoClear(false).StartAsync(async context =>
            {
                while (!stoppingToken.IsCancellationRequested)
                {
                    await Task.Delay(Refresh, time, stoppingToken).ConfigureAwait(false);
                    context.UpdateTarget(Render(started));
                }
            }).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Ctrl+C: the last frame stays on screen.
        }
    }

    private string Dashboard() => api?.PageUrl is { } url ? $" · dashboard [link]{Markup.Escape(url.ToString())}[/]" : string.Empty;

    internal IRenderable Render(DateTimeOffset started)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]CryptoStreams[/] up {(time.GetUtcNow() - started).TotalSeconds:0} s · Kafka {Markup.Escape(settings.BootstrapServers)}{Dashboard()} · [grey]Ctrl+C stops everything cleanly[/]"),
        };
        var panels = new List<IRenderable>();
        IRenderable? sources = null, results = null;
        foreach (var stage in stages)
        {
            if (stage.Stage == "loader" && loader is not null)
            {
                // The loader's stage snapshot is shaped for JSON (/status); the view reads the typed one.
                panels.Add(StatusPanels.Loader(loader.Current));
                continue;
            }

            if (stage.Stage == "archive" && archive is not null)
            {
                panels.Add(StatusPanels.Archive(archive.Current));
                continue;
            }

            object? snapshot;
            try
            {
                snapshot = stage.Snapshot();
            }
            catch (InvalidOperationException ex)
            {
                panels.Add(Generic(stage.Stage, null).AddRow("[red]status failed[/]", Markup.Escape(ex.Message)));
                continue;
            }

            switch (snapshot)
            {
                case IReadOnlyList<SourceStatus> list:
                    sources = StatusPanels.Sources(list, time.GetUtcNow());
                    break;
                case LatestResultsSnapshot latest:
                    results = StatusPanels.Results(latest);
                    break;
                case TopologyStatus topology:
                    panels.Add(StatusPanels.Topology(topology));
                    break;
                case BrokerStatus broker:
                    panels.Add(StatusPanels.Broker(broker));
                    break;
                case null when stage.Stage == "broker":
                    panels.Add(StatusPanels.Broker(null));
                    break;
                default:
                    // Any other stage: what /status shows, flattened.
                    panels.Add(Generic(stage.Stage, snapshot));
                    break;
            }
        }

        if (sources is not null)
        {
            rows.Add(sources);
        }

        rows.Add(new Columns(panels).Collapse());
        if (results is not null)
        {
            rows.Add(results);
        }

        var recent = logs.Entries;
        if (recent.Count > 0)
        {
            var log = new Table().Border(TableBorder.Simple).HideHeaders().AddColumns("", "", "");
            foreach (var entry in recent)
            {
                var colour = entry.Level >= LogLevel.Error ? "red" : entry.Level == LogLevel.Warning ? "yellow" : "grey";
                log.AddRow(
                    $"[{colour}]{entry.Time.UtcDateTime:HH:mm:ss}[/]",
                    $"[{colour}]{Markup.Escape(entry.Category)}[/]",
                    Markup.Escape(entry.Message));
            }

            rows.Add(log);
        }

        return new Rows(rows);
    }

    private static Table Generic(string stage, object? snapshot)
    {
        var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(stage)}[/]").HideHeaders().AddColumns("", "");
        var flattened = StatusFlattening.Rows(snapshot);
        foreach (var (path, value) in flattened.Take(14))
        {
            table.AddRow(Markup.Escape(path), Markup.Escape(value));
        }

        if (flattened.Count == 0)
        {
            table.AddRow("[grey]starting…[/]", string.Empty);
        }

        return table;
    }
}
