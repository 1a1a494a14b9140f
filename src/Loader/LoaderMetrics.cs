using System.Diagnostics.Metrics;

namespace CryptoStreams.Loader;

/// <summary>Instruments of the <c>CryptoStreams.Loader</c> meter.</summary>
public sealed class LoaderMetrics
{
    public const string MeterName = "CryptoStreams.Loader";

    private readonly Counter<long> records;
    private readonly Counter<long> rows;
    private readonly Counter<long> deadLetters;
    private readonly Counter<long> retries;
    private readonly Counter<long> staleBatches;
    private readonly Histogram<double> batchDuration;
    private readonly Histogram<long> batchSize;

    public LoaderMetrics(IMeterFactory meterFactory, LoaderStatus status)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentNullException.ThrowIfNull(status);
        var meter = meterFactory.Create(MeterName);
        records = meter.CreateCounter<long>("cryptostreams.loader.records", "{record}", "Records consumed and committed (rows and dead letters)");
        rows = meter.CreateCounter<long>("cryptostreams.loader.rows", "{row}", "Rows inserted or changed, per table");
        deadLetters = meter.CreateCounter<long>("cryptostreams.loader.dead_letters", "{record}", "Records sent to dlq.loader, per reason");
        retries = meter.CreateCounter<long>("cryptostreams.loader.retries", "{attempt}", "Batch writes retried after a database failure");
        staleBatches = meter.CreateCounter<long>("cryptostreams.loader.stale_batches", "{batch}", "Batches refused because another loader moved the stored offsets");
        batchDuration = meter.CreateHistogram<double>("cryptostreams.loader.batch.duration", "ms", "Time to write one batch (COPY, upsert, offsets, commit)");
        batchSize = meter.CreateHistogram<long>("cryptostreams.loader.batch.size", "{record}", "Records per batch");
        meter.CreateObservableGauge("cryptostreams.loader.lag", () => status.Current.Lag.Select(l =>
            new Measurement<long>(l.Value, new KeyValuePair<string, object?>("topic", l.Key.Topic), new KeyValuePair<string, object?>("partition", l.Key.Partition))),
            "{record}", "Records behind the end of each assigned partition");
    }

    internal void BatchWritten(int recordCount, IEnumerable<KeyValuePair<string, int>> rowsPerTable, TimeSpan elapsed)
    {
        records.Add(recordCount);
        foreach (var (table, count) in rowsPerTable)
        {
            rows.Add(count, new KeyValuePair<string, object?>("table", table));
        }

        batchDuration.Record(elapsed.TotalMilliseconds);
        batchSize.Record(recordCount);
    }

    internal void DeadLettered(string reason) => deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason));

    internal void Retried() => retries.Add(1);

    internal void StaleBatch() => staleBatches.Add(1);
}
