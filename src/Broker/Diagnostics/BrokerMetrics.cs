using System.Diagnostics.Metrics;

namespace CryptoStreams.Broker.Diagnostics;

/// <summary>
/// Instruments of the <c>CryptoStreams.Broker</c> meter, plus the running totals the status line shows.
/// One instance per broker (no static state), so several brokers in one test process stay separate.
/// </summary>
internal sealed class BrokerMetrics : IDisposable
{
    public const string MeterName = "CryptoStreams.Broker";

    private readonly Meter _meter;
    private readonly Counter<long> _bytesIn;
    private readonly Counter<long> _bytesOut;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _recordsAppended;
    private readonly Histogram<double> _groupCommitSeconds;
    private readonly Histogram<int> _groupCommitRequests;
    private long _totalBytesIn;
    private long _totalBytesOut;
    private long _totalRequests;
    private int _connections;

    public BrokerMetrics(IMeterFactory? meterFactory)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _bytesIn = _meter.CreateCounter<long>("cryptostreams.broker.bytes_in", "By", "Request bytes received");
        _bytesOut = _meter.CreateCounter<long>("cryptostreams.broker.bytes_out", "By", "Response bytes sent");
        _requests = _meter.CreateCounter<long>("cryptostreams.broker.requests", "{request}", "Requests handled, by API");
        _recordsAppended = _meter.CreateCounter<long>("cryptostreams.broker.records_appended", "{record}", "Records appended to partition logs");
        _groupCommitSeconds = _meter.CreateHistogram<double>("cryptostreams.broker.group_commit.duration", "s", "fsync time of one group-commit round");
        _groupCommitRequests = _meter.CreateHistogram<int>("cryptostreams.broker.group_commit.requests", "{request}", "Produce requests answered by one group-commit round");
        _meter.CreateObservableUpDownCounter("cryptostreams.broker.connections", () => Volatile.Read(ref _connections), "{connection}", "Open client connections");
    }

    public long BytesIn => Volatile.Read(ref _totalBytesIn);

    public long BytesOut => Volatile.Read(ref _totalBytesOut);

    public long Requests => Volatile.Read(ref _totalRequests);

    public int Connections => Volatile.Read(ref _connections);

    public void Received(int bytes)
    {
        Interlocked.Add(ref _totalBytesIn, bytes);
        _bytesIn.Add(bytes);
    }

    public void Sent(int bytes)
    {
        Interlocked.Add(ref _totalBytesOut, bytes);
        _bytesOut.Add(bytes);
    }

    public void Request(string api)
    {
        Interlocked.Increment(ref _totalRequests);
        _requests.Add(1, new KeyValuePair<string, object?>("api", api));
    }

    public void Appended(int records) => _recordsAppended.Add(records);

    public void GroupCommitRound(TimeSpan fsync, int requests)
    {
        _groupCommitSeconds.Record(fsync.TotalSeconds);
        _groupCommitRequests.Record(requests);
    }

    public void ConnectionOpened() => Interlocked.Increment(ref _connections);

    public void ConnectionClosed() => Interlocked.Decrement(ref _connections);

    public void Dispose() => _meter.Dispose();
}
