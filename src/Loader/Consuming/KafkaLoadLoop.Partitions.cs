using System.Collections.Immutable;
using System.Globalization;
using Confluent.Kafka;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Loader.Consuming;

// What the group gives and takes (assignment seeks to the database's offsets, revoke writes or drops the batch,
// lost drops it), and how far behind each partition is (lag and progress reporting).
internal sealed partial class KafkaLoadLoop
{
    private IConsumer<byte[], byte[]> BuildConsumer() =>
        new ConsumerBuilder<byte[], byte[]>(StageKafkaClients.Consumer(options.BootstrapServers, options.GroupId, "cryptostreams-loader", options.Kafka))
            .SetPartitionsAssignedHandler(OnAssigned)
            .SetPartitionsRevokedHandler(OnRevoked)
            .SetPartitionsLostHandler(OnLost)
            .SetErrorHandler((_, error) => LogKafkaError(error.Code.ToString(), error.Reason))
            .Build();

    private IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[], byte[]> c, List<TopicPartition> partitions)
    {
        var keys = partitions.Select(tp => new TopicPartitionKey(tp.Topic, tp.Partition.Value)).ToList();
        // Rebalance callbacks are synchronous; this runs on the loop's own thread inside Consume.
        var offsets = retry.ExecuteAsync(
            async token => await writer.ReadOffsetsAsync(keys.Select(k => k.Topic).Distinct(StringComparer.Ordinal), token).ConfigureAwait(false),
            stopping).AsTask().GetAwaiter().GetResult();
        var assigned = new List<TopicPartitionOffset>();
        foreach (var key in keys)
        {
            long? offset = offsets.TryGetValue(key, out var o) ? o : null;
            stored[key] = offset;
            consumed.Remove(key);
            assigned.Add(new TopicPartitionOffset(key.Topic, key.Partition, offset is { } at ? new Offset(at) : Offset.Unset));
        }

        status.Update(s => s with { AssignedPartitions = stored.Count, UpdatedAt = clock.GetUtcNow() });

#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogAssigned(string.Join(", ", keys.Select(k => $"{k}@{(stored[k] is { } at ? at.ToString(CultureInfo.InvariantCulture) : "start")}")));
        }
#pragma warning restore CA1873
        return assigned;
    }

    private void OnRevoked(IConsumer<byte[], byte[]> c, List<TopicPartitionOffset> partitions)
    {
        // The batches hold records of the revoked partitions. Write them now (the new owner then starts after them) or
        // drop them (the new owner reads them again from the stored offsets); the offset fence makes either safe.
        SettleInFlight();
        WriteLastAttemptAsync(stopping).GetAwaiter().GetResult();

        Forget(partitions.Select(p => new TopicPartitionKey(p.Topic, p.Partition.Value)));
#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogRevoked(string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}]")));
        }
#pragma warning restore CA1873
    }

    private void OnLost(IConsumer<byte[], byte[]> c, List<TopicPartitionOffset> partitions)
    {
        // Another member may own these already: never write them from here (a write in flight is fenced by the offsets).
        SettleInFlight();
        if (batch.RecordCount > 0)
        {
            LogBatchDropped(batch.RecordCount, "partitions lost");
            batch = NewBatch();
        }

        Forget(partitions.Select(p => new TopicPartitionKey(p.Topic, p.Partition.Value)));
#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogRevoked(string.Join(", ", partitions.Select(p => $"{p.Topic}[{p.Partition.Value}] (lost)")));
        }
#pragma warning restore CA1873
    }

    private void Forget(IEnumerable<TopicPartitionKey> partitions)
    {
        foreach (var partition in partitions)
        {
            stored.Remove(partition);
            consumed.Remove(partition);
        }

        var lag = MeasureLag();
        status.Update(s => s with { Lag = lag, AssignedPartitions = stored.Count, UpdatedAt = clock.GetUtcNow() });
    }

    private ImmutableDictionary<TopicPartitionKey, long> MeasureLag()
    {
        var lag = ImmutableDictionary.CreateBuilder<TopicPartitionKey, long>();
        foreach (var partition in stored.Keys)
        {
            // Cached from the last fetch response: no broker round trip.
            var marks = consumer!.GetWatermarkOffsets(new TopicPartition(partition.Topic, partition.Partition));
            if (marks is null || marks.High == Offset.Unset)
            {
                continue;
            }

            long? position = consumed.TryGetValue(partition, out var next) ? next : stored[partition];
            lag[partition] = Math.Max(0, marks.High.Value - (position ?? marks.Low.Value));
        }

        return lag.ToImmutable();
    }

    private ProgressWindow ReportProgress(ProgressWindow window)
    {
        var now = clock.GetUtcNow();
        var snapshot = status.Current;
        var lag = MeasureLag();
        var seconds = (now - window.Start).TotalSeconds;
        var rate = seconds > 0 ? (snapshot.RecordsConsumed - window.Records) / seconds : 0;
        status.Update(s => s with { RowsPerSecond = rate, Lag = lag, UpdatedAt = now });
#pragma warning disable CA1873 // guarded: the strings are built only when the message is logged
        if (logger.IsEnabled(LogLevel.Information))
        {
            LogProgress(
            snapshot.RecordsConsumed - window.Records,
            rate,
            snapshot.Batches - window.Batches,
            snapshot.LastBatchLatency.TotalMilliseconds,
            lag.Values.Sum(),
            string.Join(", ", lag.OrderBy(l => l.Key.Topic, StringComparer.Ordinal).ThenBy(l => l.Key.Partition).Select(l => $"{l.Key}={l.Value}")));
        }
#pragma warning restore CA1873

        return new ProgressWindow(now, snapshot.RecordsConsumed, snapshot.Batches);
    }

    private readonly record struct ProgressWindow(DateTimeOffset Start, long Records = 0, long Batches = 0);
}
