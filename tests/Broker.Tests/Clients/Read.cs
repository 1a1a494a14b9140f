using System.Diagnostics;
using Confluent.Kafka;

namespace CryptoStreams.Broker.Tests.Clients;

/// <summary>Reads topics back the way a test needs them: everything up to the end of every partition.</summary>
public static class Read
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Assigns every partition from the beginning and reads until each reports end-of-partition, so the result is
    /// the whole visible content, not "at least N records".
    /// </summary>
    public static Task<List<ObservedRecord>> AllAsync(string bootstrapServers, string topic, int partitions, IsolationLevel isolation = IsolationLevel.ReadUncommitted) =>
        Task.Run(() =>
        {
            var config = ClientConfigs.Consumer(bootstrapServers, ClientConfigs.Unique("reader"), isolation);
            using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
            consumer.Assign(Enumerable.Range(0, partitions).Select(p => new TopicPartitionOffset(topic, p, Offset.Beginning)));
            var result = UntilEndOfAllPartitions(consumer, partitions);
            consumer.Close();
            return result;
        });

    /// <summary>Consumes from an already assigned consumer until every one of <paramref name="partitions"/> reported its end.</summary>
    public static List<ObservedRecord> UntilEndOfAllPartitions(IConsumer<byte[]?, byte[]?> consumer, int partitions)
    {
        var records = new List<ObservedRecord>();
        var atEnd = new HashSet<int>();
        var clock = Stopwatch.StartNew();
        while (atEnd.Count < partitions)
        {
            if (clock.Elapsed > Timeout)
            {
                throw new TimeoutException($"read {records.Count} records; only partitions [{string.Join(",", atEnd)}] of {partitions} reached their end within {Timeout}");
            }

            var result = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                atEnd.Add(result.Partition.Value);
                continue;
            }

            atEnd.Remove(result.Partition.Value);
            records.Add(ObservedRecord.From(result));
        }

        return records;
    }
}
