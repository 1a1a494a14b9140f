using System.Diagnostics.Metrics;

namespace CryptoStreams.Archive;

/// <summary>
/// The <c>CryptoStreams.Archive</c> meter. Totals and lag are observed from the <see cref="ArchiveStatus"/> snapshot
/// (one set of books); only the publish duration is recorded as it happens.
/// </summary>
public sealed class ArchiveMetrics
{
    public const string MeterName = "CryptoStreams.Archive";

    private readonly Histogram<double> publishDuration;

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
        publishDuration = meter.CreateHistogram<double>("cryptostreams.archive.publish.duration", "ms", "Time to finish, fsync and publish one file");
    }

    internal void Published(TimeSpan elapsed) => publishDuration.Record(elapsed.TotalMilliseconds);
}
