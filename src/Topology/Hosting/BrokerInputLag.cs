using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Topology;

/// <summary>
/// The host's <see cref="IInputLag"/>: every <see cref="TopologyOptions.InputCheckInterval"/> it asks the broker, with
/// one admin client, for the first and end offsets of every input partition (ListOffsets) and the application's
/// committed offsets (OffsetFetch), and publishes them as one immutable snapshot that the stream threads read without
/// locking. A snapshot older than <see cref="TopologyOptions.MaxInputWait"/> (the broker stopped answering) is not
/// used: the inputs are unknown then, and <c>market-windows</c> waits for them at most that long.
/// <para>
/// Why an admin client and not the stream thread's own consumer (librdkafka caches each partition's high watermark
/// from fetch responses): Streamiz 1.8.2 owns its consumers and hands a processor no way to reach them, short of
/// replacing its client supplier; and the cached watermark is only refreshed for partitions being fetched, which
/// librdkafka stops doing while its prefetch queue is full. Ten small requests a second are nothing to the broker.
/// </para>
/// </summary>
internal sealed partial class BrokerInputLag(TopologyOptions options, TimeProvider clock, ILogger<BrokerInputLag> logger) : IInputLag
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(5);

    private volatile Snapshot? current;

    public bool TryGet(string topic, int partition, out InputOffsets offsets)
    {
        var snapshot = current;
        if (snapshot is null || clock.GetUtcNow() - snapshot.Taken > options.MaxInputWait)
        {
            offsets = default;
            return false;
        }

        return snapshot.Offsets.TryGetValue((topic, partition), out offsets);
    }

    /// <summary>Refreshes the snapshot until <paramref name="stoppingToken"/> is cancelled.</summary>
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var admin = new AdminClientBuilder(options.Kafka.ApplyTo(new AdminClientConfig { BootstrapServers = options.BootstrapServers }))
            .SetLogHandler((_, message) => Log.AdminClient(logger, message.Level.ToString(), message.Message))
            .Build();
        using var timer = new PeriodicTimer(options.InputCheckInterval, clock);
        var failing = false;
        do
        {
            try
            {
                current = await ReadAsync(admin).ConfigureAwait(false);
                if (failing)
                {
                    failing = false;
                    Log.Recovered(logger);
                }
            }
            catch (KafkaException ex)
            {
                if (!failing)
                {
                    failing = true;
                    Log.Failed(logger, ex.Message, options.MaxInputWait);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private async Task<Snapshot> ReadAsync(IAdminClient admin)
    {
        var taken = clock.GetUtcNow();
        var metadata = admin.GetMetadata(RequestTimeout);
        var partitions = metadata.Topics
            .Where(t => t.Error.Code == ErrorCode.NoError && CryptoTopology.InputTopics.Contains(t.Topic))
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
            .ToList();
        var offsets = new Dictionary<(string, int), InputOffsets>();
        if (partitions.Count == 0)
        {
            return new Snapshot(taken, offsets);
        }

        var listOptions = new ListOffsetsOptions { RequestTimeout = RequestTimeout };
        var ends = await admin.ListOffsetsAsync(partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Latest() }), listOptions).ConfigureAwait(false);
        var lows = await admin.ListOffsetsAsync(partitions.Select(p => new TopicPartitionOffsetSpec { TopicPartition = p, OffsetSpec = OffsetSpec.Earliest() }), listOptions).ConfigureAwait(false);
        var groups = await admin.ListConsumerGroupOffsetsAsync(
            [new ConsumerGroupTopicPartitions(options.ApplicationId, partitions)],
            new ListConsumerGroupOffsetsOptions { RequestTimeout = RequestTimeout }).ConfigureAwait(false);

        var low = lows.ResultInfos.ToDictionary(r => r.TopicPartitionOffsetError.TopicPartition, r => r.TopicPartitionOffsetError.Offset.Value);
        var committed = groups.SelectMany(g => g.Partitions)
            .Where(p => p.Error.Code == ErrorCode.NoError)
            .ToDictionary(p => p.TopicPartition, p => p.Offset.Value);
        foreach (var end in ends.ResultInfos.Select(r => r.TopicPartitionOffsetError))
        {
            var tp = end.TopicPartition;
            offsets[(tp.Topic, tp.Partition.Value)] = new InputOffsets(
                low.GetValueOrDefault(tp, 0),
                end.Offset.Value,
                committed.TryGetValue(tp, out var c) && c >= 0 ? c : -1);
        }

        return new Snapshot(taken, offsets);
    }

    private sealed record Snapshot(DateTimeOffset Taken, Dictionary<(string, int), InputOffsets> Offsets);

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Warning, "Cannot read the inputs' offsets from the broker ({Detail}); windows wait at most {MaxWait} for inputs whose backlog is unknown")]
        public static partial void Failed(ILogger logger, string detail, TimeSpan maxWait);

        [LoggerMessage(21, LogLevel.Information, "Reading the inputs' offsets from the broker again")]
        public static partial void Recovered(ILogger logger);

        [LoggerMessage(22, LogLevel.Debug, "Input offsets admin client {Level}: {Message}")]
        public static partial void AdminClient(ILogger logger, string level, string message);
    }
}
