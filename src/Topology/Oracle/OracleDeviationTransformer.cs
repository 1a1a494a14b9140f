using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace CryptoStreams.Topology;

/// <summary>
/// The <c>oracle-deviation</c> processor: keeps each asset's oracle rounds (store <c>oracle-rounds</c>) and, for
/// every final consensus, emits the deviation of the round in force at the window end — however old it is.
/// A KTable join would look the oracle up when the consensus is emitted, well after the window end, and so
/// use a newer answer than the one in force.
/// </summary>
internal sealed class OracleDeviationTransformer : ITransformer<string, TopologyEvent, string, TopologyEvent>
{
    public const string StoreName = "oracle-rounds";

    private readonly TopologySettings? configured;
    private readonly Dictionary<string, OracleHistory> cache = new(StringComparer.Ordinal);
    private ProcessorContext<string, TopologyEvent> context = null!;
    private IKeyValueStore<string, OracleHistory> store = null!;

    /// <summary>Required by Streamiz's builder, which creates one instance only to learn the type.</summary>
    public OracleDeviationTransformer()
    {
    }

    public OracleDeviationTransformer(TopologySettings settings) => configured = settings;

    public void Init(ProcessorContext<string, TopologyEvent> context)
    {
        _ = configured ?? throw ProcessorSupport.NotConfigured(nameof(OracleDeviationTransformer));
        this.context = context;
        store = (IKeyValueStore<string, OracleHistory>)context.GetStateStore(StoreName);
    }

    public Record<string, TopologyEvent>? Process(Record<string, TopologyEvent> record)
    {
        switch (record.Value)
        {
            case OracleRoundAccepted accepted:
            {
                var history = HistoryOf(record.Key) ?? new OracleHistory();
                history.Add(accepted.Round);
                Save(record.Key, history);
                return null;
            }

            case ConsensusEmitted emitted:
            {
                context.Forward(record.Key, emitted);
                if (HistoryOf(record.Key) is not { } history)
                {
                    return null;
                }

                var consensus = emitted.Consensus;
                if (history.AsOf(consensus.WindowEnd) is { } round && DeviationCalculator.Compute(consensus, round) is { } deviation)
                {
                    context.ForwardAt(record.Key, new DeviationEmitted(deviation), consensus.WindowStart);
                }

                history.Settle(consensus.WindowEnd);
                Save(record.Key, history);
                return null;
            }

            default:
                return record;
        }
    }

    public void Close() => cache.Clear();

    private OracleHistory? HistoryOf(string asset)
    {
        if (cache.TryGetValue(asset, out var history))
        {
            return history;
        }

        history = store.Get(asset);
        if (history is not null)
        {
            cache[asset] = history;
        }

        return history;
    }

    private void Save(string asset, OracleHistory history)
    {
        cache[asset] = history;
        store.Put(asset, history);
    }
}
