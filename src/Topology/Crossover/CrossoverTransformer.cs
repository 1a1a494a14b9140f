using CryptoStreams.Schema;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace CryptoStreams.Topology;

/// <summary>
/// The <c>ma-crossover</c> processor: feeds each final consensus median into the asset's
/// <see cref="CrossoverDetector"/> (store <c>ma-closes</c>) and emits the crossovers it reports.
/// </summary>
internal sealed class CrossoverTransformer : ITransformer<string, TopologyEvent, string, TopologyEvent>
{
    public const string StoreName = "ma-closes";

    private readonly TopologySettings? configured;
    private readonly Dictionary<string, CrossoverDetector> cache = new(StringComparer.Ordinal);
    private TopologySettings settings = null!;
    private ProcessorContext<string, TopologyEvent> context = null!;
    private IKeyValueStore<string, CrossoverDetector> store = null!;

    /// <summary>Required by Streamiz's builder, which creates one instance only to learn the type.</summary>
    public CrossoverTransformer()
    {
    }

    public CrossoverTransformer(TopologySettings settings) => configured = settings;

    public void Init(ProcessorContext<string, TopologyEvent> context)
    {
        settings = configured ?? throw ProcessorSupport.NotConfigured(nameof(CrossoverTransformer));
        this.context = context;
        store = (IKeyValueStore<string, CrossoverDetector>)context.GetStateStore(StoreName);
    }

    public Record<string, TopologyEvent>? Process(Record<string, TopologyEvent> record)
    {
        if (record.Value is not ConsensusEmitted { Consensus: { Median: { } close } consensus })
        {
            return record;
        }

        context.Forward(record.Key, record.Value);
        var detector = DetectorOf(record.Key);
        var signal = detector.Add(consensus.Symbol, close, consensus.WindowStart, consensus.WindowEnd);
        cache[record.Key] = detector;
        store.Put(record.Key, detector);
        if (signal is not null)
        {
            settings.Runtime.Metrics.SignalEmitted();
            context.ForwardAt(record.Key, new CrossoverEmitted(signal), consensus.WindowStart);
        }

        return null;
    }

    public void Close() => cache.Clear();

    private CrossoverDetector DetectorOf(string asset)
    {
        var options = settings.Options;
        if (!cache.TryGetValue(asset, out var detector))
        {
            detector = store.Get(asset);
        }

        // A detector stored under other averages (the options changed) cannot continue: start over.
        if (detector is null || detector.Kind != options.MovingAverage || detector.ShortLength != options.ShortLength || detector.LongLength != options.LongLength)
        {
            detector = new CrossoverDetector(options.MovingAverage, options.ShortLength, options.LongLength);
        }

        return detector;
    }
}
