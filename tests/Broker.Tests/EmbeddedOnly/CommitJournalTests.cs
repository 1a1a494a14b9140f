using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.EmbeddedOnly;

/// <summary>
/// Under FsyncPolicy.Always an acks=all answer waits for the fsync of the broker-wide commit journal, not of the
/// segments. A power loss after the ack can therefore take a segment's unsynced tail with it; the journal must
/// give it back. A SIGKILL cannot show this (the page cache survives it), so the loss is made by hand: the
/// journal as it was while the broker ran is put back and a segment is cut short, mid-batch.
/// </summary>
public sealed class CommitJournalTests : IDisposable
{
    private const int Partitions = 2;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("broker-journal-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    [Theory]
    [InlineData(FsyncPolicy.Always)]
    [InlineData(FsyncPolicy.Never)]
    public async Task Acknowledged_records_a_segment_lost_after_the_ack_come_back_from_the_journal_once_and_in_order(FsyncPolicy restartPolicy)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var topic = ClientConfigs.Unique("journal");
        var acked = new List<(int Partition, long Offset, string Value)>();
        var failures = new List<string>();
        var journalCopy = Path.Combine(_dataDirectory, "..", Path.GetFileName(_dataDirectory) + "-journal-copy");
        try
        {
            await using (var first = await KafkaEndpoint.StartEmbeddedBrokerAsync(_dataDirectory, FsyncPolicy.Always))
            {
                using (var admin = new AdminClientBuilder(ClientConfigs.Admin(first.BootstrapServers)).Build())
                {
                    await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = Partitions, ReplicationFactor = 1 }]);
                }

                var config = ClientConfigs.Producer(first.BootstrapServers);
                config.LingerMs = 0;
                using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
                for (var round = 0; round < 8; round++)
                {
                    // Flushing between rounds gives every partition several batches, so a cut can land mid-log.
                    for (var i = 0; i < 25; i++)
                    {
                        var value = string.Create(CultureInfo.InvariantCulture, $"r{round}-{i}");
                        producer.Produce(new TopicPartition(topic, i % Partitions), new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(value) }, report =>
                        {
                            lock (acked)
                            {
                                if (report.Error.IsError)
                                {
                                    failures.Add(report.Error.Reason);
                                }
                                else
                                {
                                    acked.Add((report.Partition.Value, report.Offset.Value, value));
                                }
                            }
                        });
                    }

                    Assert.Equal(0, producer.Flush(TimeSpan.FromSeconds(30)));
                }

                Assert.Empty(failures);
                Assert.Equal(8 * 25, acked.Count);

                // Every record above is acknowledged, so the journal on disk now holds all of them.
                Directory.CreateDirectory(journalCopy);
                foreach (var file in Directory.GetFiles(Path.Combine(_dataDirectory, "journal")))
                {
                    File.Copy(file, Path.Combine(journalCopy, Path.GetFileName(file)));
                }
            }

            // The clean stop flushed the segments and dropped the journal; bring back the state of a power loss instead.
            foreach (var file in Directory.GetFiles(journalCopy))
            {
                File.Copy(file, Path.Combine(_dataDirectory, "journal", Path.GetFileName(file)));
            }

            var segment = Directory.GetFiles(Path.Combine(_dataDirectory, "logs", topic + "-0"), "*.log").Single();
            var length = new FileInfo(segment).Length;
            var cutTo = random.NextInt64(0, length);
            using (var file = new FileStream(segment, FileMode.Open, FileAccess.Write))
            {
                file.SetLength(cutTo);
            }

            var expected = acked.OrderBy(a => a.Partition).ThenBy(a => a.Offset).ToList();
            var context = $"seed {seed}: segment of partition 0 cut from {length} to {cutTo} bytes, restarted under {restartPolicy}";
            for (var restart = 0; restart < 2; restart++)
            {
                // The second start finds the journal already folded into the segments: nothing twice.
                var options = new BrokerOptions { Port = 0, DataDirectory = _dataDirectory, FsyncPolicy = restartPolicy, GroupInitialRebalanceDelay = TimeSpan.Zero };
                await using var broker = await EmbeddedBroker.StartAsync(options);
                var read = await Read.AllAsync(broker.BootstrapServers, topic, Partitions);
                Assert.True(
                    expected.SequenceEqual(read.OrderBy(r => r.Partition).ThenBy(r => r.Offset).Select(r => (r.Partition, r.Offset, r.Value!))),
                    $"{context}, start {restart + 1}: expected {expected.Count} acknowledged records, read {read.Count}");
            }
        }
        finally
        {
            if (Directory.Exists(journalCopy))
            {
                Directory.Delete(journalCopy, recursive: true);
            }
        }
    }
}
