using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using CryptoStreams.TestSupport.Reference;
using Microsoft.Extensions.Logging.Abstractions;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Mock;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Topology.Tests;

/// <summary>A clock that always says the same time, so dead letters have a predictable rejection time.</summary>
internal sealed class FixedClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}

/// <summary>
/// The real topology in Streamiz's TopologyTestDriver: pipe raw records in, read what each output topic got.
/// Reads are cumulative (every read returns everything written so far), so tests stay small.
/// </summary>
internal sealed class TopologyDriver : IDisposable
{
    public static readonly DateTimeOffset RejectionTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly TopologyTestDriver driver;
    private readonly Dictionary<string, TestInputTopic<string, byte[]>> inputs = new(StringComparer.Ordinal);
    private readonly TestOutputTopic<string, Candle> prices;
    private readonly TestOutputTopic<string, Consensus> consensus;
    private readonly TestOutputTopic<string, Deviation> deviations;
    private readonly TestOutputTopic<string, CrossoverSignal> signals;
    private readonly TestOutputTopic<string, DeadLetter> deadLetters;
    private readonly List<KeyValuePair<string, Candle>> readPrices = [];
    private readonly List<KeyValuePair<string, Consensus>> readConsensus = [];
    private readonly List<KeyValuePair<string, Deviation>> readDeviations = [];
    private readonly List<KeyValuePair<string, CrossoverSignal>> readSignals = [];
    private readonly List<KeyValuePair<string, DeadLetter>> readDeadLetters = [];

    /// <param name="stateDir">Streamiz's state directory; needed when <paramref name="options"/> asks for RocksDB stores
    /// (the driver deletes the task directories it created there when disposed).</param>
    /// <param name="inputLag">What the broker holds on each input (e.g. <see cref="KnownInputOffsets"/> with the counts of the
    /// records the test pipes: data already written); none, as for a topology read as its inputs are written.</param>
    public TopologyDriver(TopologyOptions? options = null, string? stateDir = null, IInputLag? inputLag = null)
    {
        Options = options ?? new TopologyOptions();
        Runtime = new TopologyRuntime(new FixedClock(RejectionTime), inputLag: inputLag);
        var builder = new StreamBuilder();
        CryptoTopology.Build(builder, Options, Runtime);
        Topology = builder.Build();
        var config = new StreamConfig<StringSerDes, StringSerDes>
        {
            ApplicationId = "topology-spec",
            Logger = NullLoggerFactory.Instance,
        };
        if (stateDir is not null)
        {
            config.StateDir = stateDir;
        }

        driver = new TopologyTestDriver(Topology, config);
        foreach (var topic in CryptoTopology.InputTopics)
        {
            inputs[topic] = driver.CreateInputTopic(topic, new StringSerDes(), new ByteArraySerDes());
        }

        var keys = new StringSerDes();
        prices = driver.CreateOutputTopic(Topics.Prices1m, TimeSpan.Zero, keys, new RecordSerDes<Candle>());
        consensus = driver.CreateOutputTopic(Topics.Consensus1m, TimeSpan.Zero, keys, new RecordSerDes<Consensus>());
        deviations = driver.CreateOutputTopic(Topics.Deviation1m, TimeSpan.Zero, keys, new RecordSerDes<Deviation>());
        signals = driver.CreateOutputTopic(Topics.SignalsCrossover, TimeSpan.Zero, keys, new RecordSerDes<CrossoverSignal>());
        deadLetters = driver.CreateOutputTopic(Topics.DlqTopology, TimeSpan.Zero, keys, new RecordSerDes<DeadLetter>());
    }

    public TopologyOptions Options { get; }

    public TopologyRuntime Runtime { get; }

    public Streamiz.Kafka.Net.Stream.Topology Topology { get; }

    public void Pipe(Tick tick) => Pipe(Topics.Raw(tick.Source), tick.Asset, RecordJson.Serialize(tick), tick.EventTime);

    public void Pipe(params Tick[] ticks)
    {
        foreach (var tick in ticks)
        {
            Pipe(tick);
        }
    }

    public void Pipe(OracleRound round) => Pipe(Topics.RawChainlink, round.Asset, RecordJson.Serialize(round), round.UpdatedAt);

    public void Pipe(Gap gap) => Pipe(Topics.RawGaps, gap.Asset, RecordJson.Serialize(gap), gap.DetectedAt);

    public void Pipe(string topic, string? key, byte[] payload, DateTimeOffset timestamp) =>
        inputs[topic].PipeInput(key!, payload, timestamp.UtcDateTime);

    /// <summary>Pipes reference inputs in chunks (the driver slows down on huge single calls).</summary>
    public void Pipe(IReadOnlyList<(ReferenceInput Input, DateTimeOffset Timestamp)> records)
    {
        foreach (var (input, timestamp) in records)
        {
            Pipe(input.Topic, input.Key, input.Payload, timestamp);
        }
    }

    public IReadOnlyList<KeyValuePair<string, Candle>> Prices() => Drain(prices, readPrices);

    public IReadOnlyList<Candle> FinalCandles() => [.. Prices().Select(kv => kv.Value).Where(c => c.Final)];

    public IReadOnlyList<KeyValuePair<string, Consensus>> Consensus() => Drain(consensus, readConsensus);

    public IReadOnlyList<KeyValuePair<string, Deviation>> Deviations() => Drain(deviations, readDeviations);

    public IReadOnlyList<KeyValuePair<string, CrossoverSignal>> Signals() => Drain(signals, readSignals);

    public IReadOnlyList<KeyValuePair<string, DeadLetter>> DeadLetters() => Drain(deadLetters, readDeadLetters);

    public void Dispose() => driver.Dispose();

    private static List<KeyValuePair<string, T>> Drain<T>(TestOutputTopic<string, T> topic, List<KeyValuePair<string, T>> seen)
    {
        seen.AddRange(topic.ReadKeyValueList().Select(r => KeyValuePair.Create(r.Message.Key, r.Message.Value)));
        return [.. seen];
    }
}
