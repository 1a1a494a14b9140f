using Confluent.Kafka;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Kafka;
using Streamiz.Kafka.Net.Metrics;

namespace CryptoStreams.Topology;

/// <summary>
/// Streamiz's clients, with an exactly-once producer's transactional id kept across restarts. Streamiz 1.8.2 builds the
/// id from a process id it keeps on disk only when the topology has persistent stores, so with in-memory stores every
/// start had a new id: a restarted process did not fence the SIGKILLed one, whose open transaction then held the last
/// stable offset of every changelog it wrote until transaction.timeout.ms. A task re-created meanwhile (the rebalance
/// when the dead member leaves the group) restored its store only up to that offset, though its own committed records
/// and offsets lay beyond, and its windows lost ticks. With an id read from the state directory the new producer's
/// InitTransactions aborts the dead one's transaction at once, as Kafka Streams does.
/// </summary>
internal sealed class StableTransactionalIdSupplier(IStreamConfig config, string instanceId) : IKafkaSupplier
{
    private readonly DefaultKafkaClientSupplier inner = new(new KafkaLoggerAdapter(config), config);

    public StreamMetricsRegistry MetricsRegistry
    {
        get => inner.MetricsRegistry;
        set => inner.MetricsRegistry = value;
    }

    /// <summary>The instance id kept in <paramref name="stateDir"/> for <paramref name="applicationId"/>, created on first use.</summary>
    public static string InstanceId(string stateDir, string applicationId)
    {
        var path = Path.Combine(stateDir, applicationId + ".instance-id");
        if (File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } kept)
        {
            return kept;
        }

        Directory.CreateDirectory(stateDir);
        var fresh = Guid.NewGuid().ToString("N");
        File.WriteAllText(path, fresh);
        return fresh;
    }

    public IProducer<byte[], byte[]> GetProducer(ProducerConfig config)
    {
        if (config.TransactionalId is not null)
        {
            // "<client id>-stream-thread-N-streamiz-producer": one id per stream thread of this instance.
            var thread = config.ClientId[(config.ClientId.LastIndexOf("-stream-thread-", StringComparison.Ordinal) + 1)..];
            config.TransactionalId = $"{this.config.ApplicationId}-{instanceId}-{thread}";
        }

        return inner.GetProducer(config);
    }

    private readonly IStreamConfig config = config;

    public IConsumer<byte[], byte[]> GetConsumer(ConsumerConfig config, IConsumerRebalanceListener rebalanceListener) => inner.GetConsumer(config, rebalanceListener);

    public IConsumer<byte[], byte[]> GetRestoreConsumer(ConsumerConfig config) => inner.GetRestoreConsumer(config);

    public IAdminClient GetAdmin(AdminClientConfig config) => inner.GetAdmin(config);

    public IConsumer<byte[], byte[]> GetGlobalConsumer(ConsumerConfig config) => inner.GetGlobalConsumer(config);
}
