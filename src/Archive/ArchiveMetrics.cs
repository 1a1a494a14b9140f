using System.Diagnostics.Metrics;

namespace CryptoStreams.Archive;

/// <summary>
/// The <c>CryptoStreams.Archive</c> meter. Totals and lag are observed from the <see cref="ArchiveStatus"/> snapshot
/// (one set of books); only the publish duration and the failed attempts are recorded as they happen.
/// </summary>
public sealed class ArchiveMetrics
{
    public const string MeterName = "CryptoStreams.Archive";

    private readonly Histogram<double> publishDuration;
    private readonly Counter<long> failures;

    public ArchiveMetrics(IMeterFactory meterFactory, ArchiveStatus status)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(status);
        var meter = meterFactory.Create(MeterName);
        meter.CreateObservableCounter("cryptostreams.archive.files", () => status.Current.Files, "{file}", "Parquet files published");
        meter.CreateObservableCounter("cryptostreams.archive.rows", () => status.Current.Rows, "{row}", "Rows in the published files");
        meter.CreateObservableCounter("cryptostreams.archive.bytes", () => status.Current.Bytes, "By", "Bytes of the published files");
        meter.CreateObservableCounter("cryptostreams.archive.dead_letters", () => status.Current.DeadLetters, "{record}", "Records sent to dlq.archive");
        meter.CreateObservableGauge("cryptostreams.archive.open_files", () => status.Current.OpenFiles, "{file}", "Files being written, not yet published");
        meter.CreateObservableGauge("cryptostreams.archive.lag", () => status.Current.Lag.Select(l =>
            new Measurement<long>(l.Value, new KeyValuePair<string, object?>("topic", l.Key.Topic), new KeyValuePair<string, object?>("partition", l.Key.Partition))),
            "{record}", "Records behind the end of each assigned partition");
        // Counted as they happen: a store that is down shows here (and as state Retrying) while nothing else moves.
        failures = meter.CreateCounter<long>("cryptostreams.archive.failures", "{attempt}", "Failed attempts to list or publish files or to deliver dead letters; each is retried, the file staged and offsets unmoved");
        publishDuration = meter.CreateHistogram<double>("cryptostreams.archive.publish.duration", "ms", "Time to finish, fsync and publish one file");
    }

    internal void Published(TimeSpan elapsed) => publishDuration.Record(elapsed.TotalMilliseconds);

    internal void Failed() => failures.Add(1);
}
