using System.Collections.Concurrent;

namespace CryptoStreams.Topology;

/// <summary>
/// What the running topology is doing, for the status view and management API: the Streamiz state, the
/// last window closed per asset, and how many records were late or rejected. Updated by the processors
/// and the host; read from any thread.
/// </summary>
public sealed class TopologyStatus
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> lastWindowClosed = new(StringComparer.Ordinal);
    private long lateRecords;
    private long deadLetters;
    private long windowsClosed;
    private long candles;
    private long consensus;
    private long deviations;
    private long signals;
    private string state = "CREATED";

    /// <summary>The KafkaStream state (CREATED, REBALANCING, RUNNING, PENDING_SHUTDOWN, NOT_RUNNING, ERROR).</summary>
    public string State => Volatile.Read(ref state);

    public long LateRecords => Interlocked.Read(ref lateRecords);

    public long DeadLetters => Interlocked.Read(ref deadLetters);

    public long WindowsClosed => Interlocked.Read(ref windowsClosed);

    /// <summary>Records written to prices.1m (provisional and final).</summary>
    public long Candles => Interlocked.Read(ref candles);

    public long Consensus => Interlocked.Read(ref consensus);

    public long Deviations => Interlocked.Read(ref deviations);

    public long Signals => Interlocked.Read(ref signals);

    /// <summary>End of the last closed window, per asset.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> LastWindowClosed => new Dictionary<string, DateTimeOffset>(lastWindowClosed, StringComparer.Ordinal);

    internal void SetState(string value) => Volatile.Write(ref state, value);

    internal void RecordCandle() => Interlocked.Increment(ref candles);

    internal void RecordConsensus() => Interlocked.Increment(ref consensus);

    internal void RecordDeviation() => Interlocked.Increment(ref deviations);

    internal void RecordSignal() => Interlocked.Increment(ref signals);

    internal void RecordDeadLetter(string reason)
    {
        Interlocked.Increment(ref deadLetters);
        if (reason == DeadLetterReasons.Late)
        {
            Interlocked.Increment(ref lateRecords);
        }
    }

    internal void RecordWindowClosed(string asset, DateTimeOffset windowEnd)
    {
        Interlocked.Increment(ref windowsClosed);
        lastWindowClosed.AddOrUpdate(asset, windowEnd, (_, previous) => previous > windowEnd ? previous : windowEnd);
    }
}
