using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using Streamiz.Kafka.Net.Metrics;

namespace CryptoStreams.Topology;

/// <summary>
/// Exposes the metrics Streamiz reports (thread, task, processor and store sensors) as one observable gauge
/// on the <c>CryptoStreams.Topology</c> meter, tagged with each metric's name, group and Streamiz tags, so the
/// host's /metrics endpoint shows them next to ours.
/// </summary>
public sealed class StreamizMetricsBridge : IDisposable
{
    private readonly ConcurrentDictionary<string, Measurement<double>> latest = new(StringComparer.Ordinal);
    private readonly Meter meter;
    private readonly bool ownsMeter;

    public StreamizMetricsBridge(IMeterFactory? meterFactory = null)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(TopologyMetrics.MeterName) ?? new Meter(TopologyMetrics.MeterName);
        meter.CreateObservableGauge("cryptostreams.topology.streamiz", () => latest.Values, description: "Streamiz metrics, by metric name and group.");
    }

    /// <summary>How many distinct Streamiz metrics were reported last.</summary>
    public int Count => latest.Count;

    /// <summary>The Streamiz metrics reporter callback (<c>StreamConfig.MetricsReporter</c>).</summary>
    public void Report(IEnumerable<Sensor> sensors)
    {
        ArgumentNullException.ThrowIfNull(sensors);
        foreach (var sensor in sensors)
        {
            foreach (var metric in sensor.Metrics.Values)
            {
                if (!TryNumber(metric.Value, out var value))
                {
                    continue;
                }

                var tags = new List<KeyValuePair<string, object?>>
                {
                    new("name", metric.Name),
                    new("group", metric.Group),
                };
                tags.AddRange(metric.Tags.Select(t => new KeyValuePair<string, object?>(t.Key, t.Value)));
                var key = metric.Group + "/" + metric.Name + "/" + string.Join(",", metric.Tags.Select(t => t.Key + "=" + t.Value));
                latest[key] = new Measurement<double>(value, tags);
            }
        }
    }

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }

    private static bool TryNumber(object? value, out double number)
    {
        switch (value)
        {
            case double d when double.IsFinite(d):
                number = d;
                return true;
            case IConvertible c and not string and not bool:
                number = c.ToDouble(CultureInfo.InvariantCulture);
                return double.IsFinite(number);
            default:
                number = 0;
                return false;
        }
    }
}
