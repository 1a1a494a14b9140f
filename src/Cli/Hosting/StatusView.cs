using CryptoStreams.Cli.Api;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// The live status view of <c>cryptostreams up</c>: one table per stage from its status snapshot, and the latest log
/// lines, redrawn every second. On a non-interactive console it prints nothing and leaves the console to the logs.
/// </summary>
internal sealed class StatusView(
    IAnsiConsole console,
    IEnumerable<IStageStatusSource> stages,
    RecentLogs logs,
    PipelineSettings settings,
    TimeProvider time) : BackgroundService
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

    internal IRenderable Render(DateTimeOffset started)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]CryptoStreams[/] up {(time.GetUtcNow() - started).TotalSeconds:0} s · Kafka {Markup.Escape(settings.BootstrapServers)} · [grey]Ctrl+C stops everything cleanly[/]"),
        };
        var tables = new List<IRenderable>();
        foreach (var stage in stages)
        {
            var table = new Table().Border(TableBorder.Rounded).Title($"[bold]{Markup.Escape(stage.Stage)}[/]").HideHeaders().AddColumns("", "");
            object? snapshot;
            try
            {
                snapshot = stage.Snapshot();
            }
            catch (InvalidOperationException ex)
            {
                snapshot = null;
                table.AddRow("[red]status failed[/]", Markup.Escape(ex.Message));
            }

            var flattened = StatusFlattening.Rows(snapshot);
            foreach (var (path, value) in flattened.Take(14))
            {
                table.AddRow(Markup.Escape(path), Markup.Escape(value));
            }

            if (flattened.Count == 0)
            {
                table.AddRow("[grey]starting…[/]", string.Empty);
            }

            tables.Add(table);
        }

        rows.Add(new Columns(tables).Collapse());
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
}
