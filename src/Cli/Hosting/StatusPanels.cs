using System.Globalization;
using CryptoStreams.Archive;
using CryptoStreams.Broker;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Loader;
using CryptoStreams.Schema;
using CryptoStreams.Topology;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// The panels of the live status view, one per kind of snapshot, as pure functions of the snapshot so they can be
/// rendered and checked without a running pipeline.
/// </summary>
internal static class StatusPanels
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary>Per-source rates, freshness, reconnects, gaps and dead letters; a hint when nothing is reachable.</summary>
    public static IRenderable Sources(IReadOnlyList<SourceStatus> sources, DateTimeOffset now)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("[bold]sources[/]")
            .AddColumns("source", "state", "ticks", "ticks/s", "last tick", "rounds", "reconnects", "gaps", "dlq", "last error");
        foreach (var s in sources)
        {
            table.AddRow(
                Markup.Escape(s.Source),
                StateMarkup(s.State),
                Count(s.Ticks),
                s.TicksPerSecond.ToString("0.0", Invariant),
                s.LastTickAt is { } at ? Age(now - at) : "[grey]never[/]",
                Count(s.OracleRounds),
                Warn(s.Reconnects),
                Warn(s.Gaps),
                Warn(s.DeadLetters),
                s.LastError is null ? string.Empty : "[grey]" + Markup.Escape(Shorten(s.LastError, 60)) + "[/]");
        }

        if (sources.Count == 0)
        {
            table.AddRow("[grey]starting…[/]", "", "", "", "", "", "", "", "", "");
        }

        var reachable = sources.Any(s => s.Ticks > 0 || s.State is SourceState.Running or SourceState.Starting);
        if (sources.Count > 0 && !reachable)
        {
            table.Caption("[yellow]No live source is reachable from here. Try `cryptostreams up --simulate` for the synthetic market.[/]");
        }

        return table;
    }

    public static IRenderable Topology(TopologyStatus status)
    {
        var table = KeyValue("topology");
        table.AddRow("state", Markup.Escape(status.State));
        table.AddRow("windows closed", Count(status.WindowsClosed));
        table.AddRow("out: candles / consensus", $"{Count(status.Candles)} / {Count(status.Consensus)}");
        table.AddRow("out: deviations / signals", $"{Count(status.Deviations)} / {Count(status.Signals)}");
        table.AddRow("late", Warn(status.LateRecords));
        table.AddRow("dead letters", Warn(status.DeadLetters));
        foreach (var (asset, closed) in status.LastWindowClosed.OrderBy(p => p.Key, StringComparer.Ordinal).Take(6))
        {
            table.AddRow("last window " + Markup.Escape(asset), closed.UtcDateTime.ToString("HH:mm", Invariant));
        }

        return table;
    }

    public static IRenderable Loader(LoaderSnapshot loader)
    {
        var table = KeyValue("loader");
        table.AddRow("state", Markup.Escape(loader.State.ToString()) + (loader.Mode is { } mode ? " · " + Markup.Escape(mode.ToString()) : string.Empty));
        table.AddRow("group", Markup.Escape(loader.GroupId));
        table.AddRow("rows written", Count(loader.RowsWritten));
        table.AddRow("rows/s", loader.RowsPerSecond.ToString("0", Invariant));
        table.AddRow("last batch", loader.LastBatchLatency.TotalMilliseconds.ToString("0.0", Invariant) + " ms");
        table.AddRow("consumer lag", loader.TotalLag > 1_000 ? $"[yellow]{Count(loader.TotalLag)}[/]" : Count(loader.TotalLag));
        foreach (var (partition, lag) in loader.Lag.Where(p => p.Value > 0).OrderByDescending(p => p.Value).Take(4))
        {
            table.AddRow("  " + Markup.Escape(partition.ToString()), Count(lag));
        }

        table.AddRow("dead letters", Warn(loader.DeadLetters));
        if (loader.LastError is { } error)
        {
            table.AddRow("[red]last error[/]", Markup.Escape(Shorten(error, 60)));
        }

        return table;
    }

    public static IRenderable Archive(ArchiveSnapshot archive)
    {
        var table = KeyValue("archive");
        table.AddRow("state", Markup.Escape(archive.State.ToString()));
        table.AddRow("into", Markup.Escape(Shorten(archive.Destination, 40)));
        table.AddRow("files / rows", $"{Count(archive.Files)} / {Count(archive.Rows)}");
        table.AddRow("bytes", Bytes(archive.Bytes));
        table.AddRow("rows/s", archive.RowsPerSecond.ToString("0", Invariant));
        table.AddRow("open files (rows)", $"{archive.OpenFiles} ({Count(archive.BufferedRows)})");
        table.AddRow("consumer lag", archive.TotalLag > 1_000 ? $"[yellow]{Count(archive.TotalLag)}[/]" : Count(archive.TotalLag));
        table.AddRow("dead letters", Warn(archive.DeadLetters));
        if (archive.LastError is { } error)
        {
            table.AddRow("[red]last error[/]", Markup.Escape(Shorten(error, 60)));
        }

        return table;
    }

    public static IRenderable Broker(BrokerStatus? broker)
    {
        var table = KeyValue("broker");
        if (broker is null)
        {
            table.AddRow("[grey]starting…[/]", string.Empty);
            return table;
        }

        table.AddRow("listening", Markup.Escape(broker.BootstrapServers));
        table.AddRow("topics / partitions", $"{broker.Topics} / {broker.Partitions}");
        table.AddRow("connections", broker.Connections.ToString(Invariant));
        table.AddRow("in / out", $"{Bytes(broker.BytesIn)} / {Bytes(broker.BytesOut)}");
        return table;
    }

    /// <summary>The last deviation per oracle symbol and the most recent crossover signals.</summary>
    public static IRenderable Results(LatestResultsSnapshot results)
    {
        var deviations = new Table().Border(TableBorder.Rounded).Title("[bold]last oracle deviation[/]")
            .AddColumns("symbol", "window", "oracle", "consensus", "deviation %", "age");
        foreach (var d in results.Deviations)
        {
            var colour = Math.Abs(d.DeviationPercent) >= 1m ? "red" : Math.Abs(d.DeviationPercent) >= 0.5m ? "yellow" : "green";
            deviations.AddRow(
                Markup.Escape(d.Symbol),
                d.WindowStart.UtcDateTime.ToString("HH:mm", Invariant),
                d.OraclePrice.ToString(Invariant),
                d.ConsensusPrice.ToString(Invariant),
                $"[{colour}]{d.DeviationPercent.ToString("+0.0000;-0.0000;0", Invariant)}[/]",
                Age(TimeSpan.FromSeconds(d.StalenessSeconds)));
        }

        if (results.Deviations.Count == 0)
        {
            deviations.AddRow("[grey]none yet[/]", "", "", "", "", "");
        }

        var signals = new Table().Border(TableBorder.Rounded).Title("[bold]last crossover signals[/]")
            .AddColumns("symbol", "window", "signal", "short", "long", "close");
        foreach (var s in results.Signals)
        {
            signals.AddRow(
                Markup.Escape(s.Symbol),
                s.WindowStart.UtcDateTime.ToString("MM-dd HH:mm", Invariant),
                s.Direction == CrossoverDirection.Golden ? "[green]golden ▲[/]" : "[red]death ▼[/]",
                decimal.Round(s.ShortAverage, 4).ToString(Invariant),
                decimal.Round(s.LongAverage, 4).ToString(Invariant),
                s.Close.ToString(Invariant));
        }

        if (results.Signals.Count == 0)
        {
            signals.AddRow("[grey]none yet[/]", "", "", "", "", "");
        }

        return new Columns(deviations, signals).Collapse();
    }

    private static Table KeyValue(string title) =>
        new Table().Border(TableBorder.Rounded).Title($"[bold]{title}[/]").HideHeaders().AddColumns("", "");

    private static string StateMarkup(SourceState state) => state switch
    {
        SourceState.Running => "[green]running[/]",
        SourceState.Starting => "[grey]starting[/]",
        SourceState.Off or SourceState.Stopped => "[grey]" + state.ToString().ToLowerInvariant() + "[/]",
        SourceState.Unreachable => "[red]unreachable[/]",
        _ => "[yellow]" + state.ToString().ToLowerInvariant() + "[/]",
    };

    private static string Count(long value) => value.ToString("N0", Invariant);

    private static string Warn(long value) => value == 0 ? "0" : $"[yellow]{Count(value)}[/]";

    private static string Age(TimeSpan age) => age < TimeSpan.Zero ? "0 s"
        : age < TimeSpan.FromMinutes(2) ? $"{age.TotalSeconds:0} s"
        : age < TimeSpan.FromHours(2) ? $"{age.TotalMinutes:0} min"
        : $"{age.TotalHours:0} h";

    private static string Bytes(long bytes) => bytes switch
    {
        < 1 << 20 => $"{bytes / 1024.0:0.0} KiB",
        < 1 << 30 => $"{bytes / 1048576.0:0.0} MiB",
        _ => $"{bytes / 1073741824.0:0.00} GiB",
    };

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
