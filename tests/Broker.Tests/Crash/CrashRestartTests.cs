using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.Crash;

/// <summary>
/// The broker process is SIGKILLed while an idempotent acks=all producer is sending, then restarted on the same data
/// directory and port; the producer carries on. Every acknowledged record must be there exactly once, in order.
/// </summary>
public sealed class CrashRestartTests : IDisposable
{
    private const int Partitions = 2;
    private const int Count = 3_000;
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("broker-crash-").FullName;

    public void Dispose() => Directory.Delete(_dataDirectory, recursive: true);

    /// <param name="padding">
    /// Bytes added to every value. With 2 KiB, 3,000 records are ~6 MiB of commit journal: the kill comes after the
    /// broker has switched journal files at least once, so restart finds a retired or recycled file and a spare too.
    /// </param>
    /// <param name="fsync">
    /// Interval is the default (segments written at once, fsynced every 200 ms: a process kill loses nothing); Always
    /// group-commits through the journal, the path that padding makes switch files.
    /// </param>
    [Theory]
    [InlineData(0, "Interval")]
    [InlineData(0, "Always")]
    [InlineData(2048, "Always")]
    public async Task Every_acknowledged_record_survives_a_SIGKILL_exactly_once_and_in_order(int padding, string fsync)
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        var killAfterAcks = padding == 0 ? random.Next(Count / 10, Count / 2) : random.Next(Count / 2, Count * 4 / 5);
        var context = $"seed {seed}, padding {padding} B, fsync {fsync}, kill after {killAfterAcks} acks";
        var pad = new string('p', padding);

        var port = FreePort.Next();
        var broker = await BrokerProcess.StartAsync(port, _dataDirectory, fsync);
        try
        {
            using (var admin = new AdminClientBuilder(ClientConfigs.Admin(broker.BootstrapServers)).Build())
            {
                await admin.CreateTopicsAsync([new TopicSpecification { Name = "crash", NumPartitions = Partitions, ReplicationFactor = 1 }]);
            }

            var acked = new ConcurrentQueue<(int Partition, long Offset, int Sequence)>();
            var failed = new ConcurrentQueue<(int Sequence, Error Error)>();
            var config = ClientConfigs.Producer(broker.BootstrapServers, idempotent: true);
            config.LingerMs = 1;
            config.BatchNumMessages = 25;
            config.MessageTimeoutMs = 60_000;
            config.ReconnectBackoffMs = 50;
            config.ReconnectBackoffMaxMs = 200;
            using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();

            // At most 200 records in flight, and sending pauses until the kill, so it lands while sending is still going on.
            var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var window = new SemaphoreSlim(200);
            var sending = Task.Run(async () =>
            {
                for (var i = 0; i < Count; i++)
                {
                    if (i == killAfterAcks + 200)
                    {
                        // A fast broker could otherwise acknowledge everything before the kill lands.
                        await killed.Task;
                    }

                    await window.WaitAsync();
                    var sequence = i;
                    producer.Produce(
                        new TopicPartition("crash", i % Partitions),
                        new Message<byte[]?, byte[]?> { Value = Encoding.UTF8.GetBytes(i.ToString(CultureInfo.InvariantCulture) + pad) },
                        report =>
                        {
                            if (report.Error.IsError)
                            {
                                failed.Enqueue((sequence, report.Error));
                            }
                            else
                            {
                                acked.Enqueue((report.Partition.Value, report.Offset.Value, sequence));
                            }

                            window.Release();
                        });
                }
            });

            await Eventually.HoldsAsync(() => acked.Count >= killAfterAcks, "enough records acknowledged to kill the broker");
            if (padding > 0)
            {
                var journal = Path.Combine(_dataDirectory, "journal");
                // A retired file waits as *.recycle until it becomes the spare for file 3.
                await Eventually.HoldsAsync(
                    () => Directory.GetFiles(journal).Any(f => f.EndsWith(".recycle", StringComparison.Ordinal) || long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture) >= 3),
                    "the commit journal switched files and retired its first one");
            }

            await broker.KillAsync();
            var ackedBeforeKill = acked.Count;
            killed.SetResult();
            await broker.DisposeAsync();
            broker = await BrokerProcess.StartAsync(port, _dataDirectory, fsync);

            await sending;
            await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(90)));
            Assert.True(acked.Count > ackedBeforeKill, $"nothing was acknowledged after the restart ({context}); failures: {string.Join(", ", failed.Take(5))}");

            var stored = await Read.AllAsync(broker.BootstrapServers, "crash", Partitions);
            var values = stored.Select(r => int.Parse(r.Value!.TrimEnd('p'), CultureInfo.InvariantCulture)).ToList();
            Assert.True(values.Count == values.Distinct().Count(), $"a record is stored twice ({context})");
            foreach (var partition in stored.GroupBy(r => r.Partition))
            {
                var sequences = partition.OrderBy(r => r.Offset).Select(r => int.Parse(r.Value!.TrimEnd('p'), CultureInfo.InvariantCulture)).ToList();
                Assert.True(sequences.SequenceEqual(sequences.Order()), $"partition {partition.Key} is out of send order ({context})");
            }

            // Every acknowledgement is true: the record is at the offset the producer was told.
            var byPosition = stored.ToDictionary(r => (r.Partition, r.Offset), r => int.Parse(r.Value!.TrimEnd('p'), CultureInfo.InvariantCulture));
            var missing = acked.Where(a => !byPosition.TryGetValue((a.Partition, a.Offset), out var v) || v != a.Sequence).ToList();
            Assert.True(missing.Count == 0, $"{missing.Count} acknowledged records are missing or elsewhere, e.g. {string.Join(", ", missing.Take(5))} ({context})");
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }
}
