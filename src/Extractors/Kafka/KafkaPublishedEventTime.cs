using System.Diagnostics;
using Confluent.Kafka;
using CryptoStreams.Extractors.Simulation;
using CryptoStreams.Schema;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Kafka;

/// <summary>
/// Reads the last record of every partition of the raw tick and oracle topics (the sink stamps each record with its
/// event time) and returns the newest timestamp. Topics that do not exist yet, or a broker that does not answer in
/// time, count as nothing published: the caller then starts from the wall clock, as on a first run.
/// </summary>
public sealed partial class KafkaPublishedEventTime(IOptions<KafkaSinkOptions> options, ILogger<KafkaPublishedEventTime> logger) : IPublishedEventTime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    public Task<DateTimeOffset?> LatestAsync(CancellationToken cancellationToken) =>
        Task.Run(() => Latest(cancellationToken), cancellationToken);

    private DateTimeOffset? Latest(CancellationToken cancellationToken)
    {
        var bootstrap = options.Value.BootstrapServers;
        HashSet<string> topics = [.. Topics.RawTicks, Topics.RawChainlink];
        try
        {
            using var admin = new AdminClientBuilder(options.Value.Security.ApplyTo(new AdminClientConfig { BootstrapServers = bootstrap })).Build();
            var partitions = admin.GetMetadata(Patience).Topics
                .Where(t => topics.Contains(t.Topic) && t.Error.Code == ErrorCode.NoError)
                .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
                .ToList();
            using var consumer = new ConsumerBuilder<Ignore, Ignore>(options.Value.Security.ApplyTo(new ConsumerConfig
            {
                BootstrapServers = bootstrap,
                GroupId = "cryptostreams-simulation-clock",
                EnableAutoCommit = false,
                EnablePartitionEof = true,
            })).Build();
            List<TopicPartitionOffset> lastRecords = [];
            foreach (var partition in partitions)
            {
                var marks = consumer.QueryWatermarkOffsets(partition, Patience);
                if (marks.High > marks.Low)
                {
                    lastRecords.Add(new TopicPartitionOffset(partition, marks.High - 1));
                }
            }

            if (lastRecords.Count == 0)
            {
                return null;
            }

            consumer.Assign(lastRecords);
            var waiting = lastRecords.Select(r => r.TopicPartition).ToHashSet();
            long? latest = null;
            var waited = Stopwatch.StartNew();
            while (waiting.Count > 0 && waited.Elapsed < Patience && !cancellationToken.IsCancellationRequested)
            {
                if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } result)
                {
                    continue;
                }

                waiting.Remove(result.TopicPartition);
                if (!result.IsPartitionEOF)
                {
                    latest = Math.Max(latest ?? long.MinValue, result.Message.Timestamp.UnixTimestampMs);
                }
            }

            consumer.Close();
            return latest is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
        }
        catch (KafkaException ex)
        {
            LogUnreadable(logger, bootstrap, ex.Error.Reason);
            return null;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read the latest event time on the raw topics at {BootstrapServers} ({Reason}); the simulated market starts from the wall clock")]
    private static partial void LogUnreadable(ILogger logger, string bootstrapServers, string reason);
}
