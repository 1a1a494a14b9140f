using Streamiz.Kafka.Net.Processors.Public;

namespace CryptoStreams.Topology;

/// <summary>The <c>normalise</c> processor: raw bytes from any raw topic in, an accepted record or a rejection out.</summary>
internal sealed class NormaliseTransformer : ITransformer<string, byte[], string, TopologyEvent>
{
    private readonly TopologySettings? settings;
    private ProcessorContext<string, TopologyEvent>? context;

    /// <summary>Required by Streamiz's builder, which creates one instance only to learn the type.</summary>
    public NormaliseTransformer()
    {
    }

    public NormaliseTransformer(TopologySettings settings) => this.settings = settings;

    public void Init(ProcessorContext<string, TopologyEvent> context) => this.context = context;

    public Record<string, TopologyEvent> Process(Record<string, byte[]> record)
    {
        var s = settings ?? throw ProcessorSupport.NotConfigured(nameof(NormaliseTransformer));
        var ctx = context ?? throw ProcessorSupport.NotInitialised(nameof(NormaliseTransformer));
        var normalised = s.Normaliser.Normalise(record.Key, record.Value, ctx.Topic, ctx.Partition.Value, ctx.Offset);
        if (normalised is not Rejected)
        {
            s.Runtime.Metrics.Accepted(normalised switch
            {
                TickAccepted => "tick",
                OracleRoundAccepted => "oracle-round",
                _ => "gap",
            });
        }

        return Record<string, TopologyEvent>.Create(record.Key, normalised);
    }

    public void Close()
    {
    }
}

internal static class ProcessorSupport
{
    public static InvalidOperationException NotConfigured(string processor) =>
        new($"{processor} was created without settings; build the topology with CryptoTopology.Build.");

    public static InvalidOperationException NotInitialised(string processor) =>
        new($"{processor} processed a record before Streamiz initialised it.");

    /// <summary>Forwards with the record timestamp set to <paramref name="time"/> (window outputs carry their window start), then restores it.</summary>
    public static void ForwardAt(this ProcessorContext<string, TopologyEvent> context, string key, TopologyEvent value, DateTimeOffset time)
    {
        var original = context.Timestamp;
        context.ChangeTimestamp(time.ToUnixTimeMilliseconds());
        context.Forward(key, value);
        context.ChangeTimestamp(original);
    }
}
