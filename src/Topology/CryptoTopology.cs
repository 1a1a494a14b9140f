using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.SerDes;
using Streamiz.Kafka.Net.State;
using Streamiz.Kafka.Net.Stream;

namespace CryptoStreams.Topology;

/// <summary>
/// The CryptoStreams topology, one sub-topology with local stores and no repartition topic (every topic is
/// keyed by asset and co-partitioned):
/// <code>
/// raw.* (bytes) ─merge─► normalise ─► market-windows ─► oracle-deviation ─► ma-crossover ─► route
///                        (validate)   [market-windows]  [oracle-rounds]     [ma-closes]     ├► prices.1m
///                                                                                          ├► consensus.1m
///                                                                                          ├► deviation.1m
///                                                                                          ├► signals.crossover
///                                                                                          └► dlq.topology
/// </code>
/// </summary>
public static class CryptoTopology
{
    /// <summary>Every topic the topology reads: the raw tick topics, the oracle and the gap reports.</summary>
    public static IReadOnlyList<string> InputTopics { get; } = [.. Topics.RawTicks, Topics.RawChainlink, Topics.RawGaps];

    /// <summary>Every topic the topology writes.</summary>
    public static IReadOnlyList<string> OutputTopics { get; } = [.. Topics.Transformed, Topics.DlqTopology];

    /// <summary>The state stores, by name (changelog topics are <c>&lt;application id&gt;-&lt;store&gt;-changelog</c>).</summary>
    public static IReadOnlyList<string> StoreNames { get; } =
        [MarketWindowTransformer.StoreName, OracleDeviationTransformer.StoreName, CrossoverTransformer.StoreName];

    /// <summary>Adds the topology to <paramref name="builder"/>; call <c>builder.Build()</c> afterwards.</summary>
    public static void Build(StreamBuilder builder, TopologyOptions options) => Build(builder, options, new TopologyRuntime());

    /// <summary>Adds the topology to <paramref name="builder"/> with the given clock, metrics and status.</summary>
    public static void Build(StreamBuilder builder, TopologyOptions options, TopologyRuntime runtime)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(runtime);
        var settings = new TopologySettings(options, runtime);
        var keys = new StringSerDes();
        var extractor = new EventTimeExtractor();

        IKStream<string, byte[]>? raw = null;
        foreach (var topic in InputTopics)
        {
            var stream = builder.Stream(topic, keys, new ByteArraySerDes(), $"read-{topic}", extractor);
            raw = raw is null ? stream : raw.Merge(stream, $"merge-{topic}");
        }

        var routed = raw!
            .Transform(
                TransformerBuilder.New<string, byte[], string, TopologyEvent>()
                    .Transformer<NormaliseTransformer>(settings)
                    .Build(),
                "normalise")
            .Transform(
                TransformerBuilder.New<string, TopologyEvent, string, TopologyEvent>()
                    .Transformer<MarketWindowTransformer>(settings)
                    .StateStore(Store(MarketWindowTransformer.StoreName, new BinaryStateSerDes<MarketEntry>(), options))
                    .Build(),
                "market-windows")
            .Transform(
                TransformerBuilder.New<string, TopologyEvent, string, TopologyEvent>()
                    .Transformer<OracleDeviationTransformer>(settings)
                    .StateStore(Store(OracleDeviationTransformer.StoreName, new BinaryStateSerDes<OracleHistory>(), options))
                    .Build(),
                "oracle-deviation")
            .Transform(
                TransformerBuilder.New<string, TopologyEvent, string, TopologyEvent>()
                    .Transformer<CrossoverTransformer>(settings)
                    .StateStore(Store(CrossoverTransformer.StoreName, new BinaryStateSerDes<CrossoverDetector>(), options))
                    .Build(),
                "ma-crossover");

        var branches = routed.Branch(
            "route",
            (_, e, _) => e is CandleEmitted,
            (_, e, _) => e is ConsensusEmitted,
            (_, e, _) => e is DeviationEmitted,
            (_, e, _) => e is CrossoverEmitted,
            (_, e, _) => e is Rejected);

        branches[0]
            .MapValues((e, _) => ((CandleEmitted)e).Candle, "to-candle")
            .Peek((_, _, _) => runtime.Status.RecordCandle(), "count-prices")
            .ToTopic(Topics.Prices1m, keys, new RecordSerDes<Candle>(), "write-prices");
        branches[1]
            .MapValues((e, _) => ((ConsensusEmitted)e).Consensus, "to-consensus")
            .Peek((_, _, _) => runtime.Status.RecordConsensus(), "count-consensus")
            .ToTopic(Topics.Consensus1m, keys, new RecordSerDes<Schema.Consensus>(), "write-consensus");
        branches[2]
            .MapValues((e, _) => ((DeviationEmitted)e).Deviation, "to-deviation")
            .Peek((_, _, _) => runtime.Status.RecordDeviation(), "count-deviation")
            .ToTopic(Topics.Deviation1m, keys, new RecordSerDes<Deviation>(), "write-deviation");
        branches[3]
            .MapValues((e, _) => ((CrossoverEmitted)e).Signal, "to-signal")
            .Peek((_, _, _) => runtime.Status.RecordSignal(), "count-signals")
            .ToTopic(Topics.SignalsCrossover, keys, new RecordSerDes<CrossoverSignal>(), "write-signals");
        branches[4]
            .MapValues((e, _) => Counted(((Rejected)e).DeadLetter, runtime), "to-dead-letter")
            .ToTopic(Topics.DlqTopology, keys, new RecordSerDes<DeadLetter>(), "write-dlq");
    }

    private static DeadLetter Counted(DeadLetter deadLetter, TopologyRuntime runtime)
    {
        runtime.Metrics.DeadLettered(deadLetter.Reason);
        runtime.Status.RecordDeadLetter(deadLetter.Reason);
        return deadLetter;
    }

    private static IStoreBuilder Store<T>(string name, ISerDes<T> values, TopologyOptions options)
    {
        var supplier = options.StateStore == StateStoreKind.RocksDb
            ? Stores.PersistentKeyValueStore(name)
            : Stores.InMemoryKeyValueStore(name);
        // Cached: every tick rewrites its asset's state, and without a cache each rewrite is also a changelog record
        // (a produce per tick, as many as the outputs). The cache keeps the latest value per asset and writes it
        // to the store and its changelog when Streamiz commits, before the offsets; a restart resumes from there.
        return Stores.KeyValueStoreBuilder(supplier, new StringSerDes(), values).WithCachingEnabled();
    }
}
