using System.Diagnostics.Metrics;

namespace CryptoStreams.Topology;

/// <summary>The topology's own instruments (meter <c>CryptoStreams.Topology</c>), next to the metrics Streamiz reports.</summary>
public sealed class TopologyMetrics : IDisposable
{
    public const string MeterName = "CryptoStreams.Topology";

    private readonly Meter meter;
    private readonly bool ownsMeter;
    private readonly Counter<long> accepted;
    private readonly Counter<long> deadLetters;
    private readonly Counter<long> late;
    private readonly Counter<long> windowsClosed;
    private readonly Counter<long> signals;
    private readonly Counter<long> waitsExpired;

    public TopologyMetrics(IMeterFactory? meterFactory = null)
    {
        ownsMeter = meterFactory is null;
        meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        accepted = meter.CreateCounter<long>("cryptostreams.topology.records.accepted", "{record}", "Raw records that passed validation.");
        deadLetters = meter.CreateCounter<long>("cryptostreams.topology.records.dead_lettered", "{record}", "Records written to dlq.topology, by reason.");
        late = meter.CreateCounter<long>("cryptostreams.topology.records.late", "{record}", "Records for windows that had already closed.");
        windowsClosed = meter.CreateCounter<long>("cryptostreams.topology.windows.closed", "{window}", "Asset windows closed (final candles and consensus emitted).");
        signals = meter.CreateCounter<long>("cryptostreams.topology.signals", "{signal}", "Moving-average crossover signals emitted.");
        waitsExpired = meter.CreateCounter<long>(
            "cryptostreams.topology.inputs.wait_expired", "{input}", "Inputs whose backlog stayed unknown for Topology:MaxInputWait, after which windows stopped waiting for them.");
    }

    internal void Accepted(string kind) => accepted.Add(1, new KeyValuePair<string, object?>("kind", kind));

    internal void DeadLettered(string reason)
    {
        deadLetters.Add(1, new KeyValuePair<string, object?>("reason", reason));
        if (reason == DeadLetterReasons.Late)
        {
            late.Add(1);
        }
    }

    internal void WindowClosed() => windowsClosed.Add(1);

    internal void SignalEmitted() => signals.Add(1);

    internal void InputWaitExpired(string topic) => waitsExpired.Add(1, new KeyValuePair<string, object?>("topic", topic));

    public void Dispose()
    {
        if (ownsMeter)
        {
            meter.Dispose();
        }
    }
}
