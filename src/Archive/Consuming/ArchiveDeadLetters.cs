using Confluent.Kafka;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Archive.Consuming;

/// <summary>
/// Sends records the archive cannot read to <c>dlq.archive</c>, bytes intact. A file is published only after its dead
/// letters are acknowledged (<see cref="FlushAsync"/>), so none is lost; a crash before publishing sends them again
/// (at-least-once, like <c>dlq.loader</c>: consumers de-duplicate by topic, partition and offset).
/// </summary>
internal sealed class ArchiveDeadLetters(ArchiveOptions options, TimeProvider clock) : IDisposable
{
    private readonly List<(Message<byte[], DeadLetter> Letter, Task Delivery)> pending = [];
    private IProducer<byte[], DeadLetter>? producer;

    public long Delivered { get; private set; }

    public void Send(ConsumeResult<byte[], byte[]> result, string reason, string error)
    {
        producer ??= new ProducerBuilder<byte[], DeadLetter>(StageKafkaClients.DeadLetterProducer(options.BootstrapServers, "cryptostreams-archive-dlq", options.Kafka)).SetValueSerializer(new RecordSerializer<DeadLetter>()).Build();
        var letter = new DeadLetter(
            "archive", result.Topic, reason, error, result.Message.Value ?? [], result.Topic, result.Partition.Value, result.Offset.Value, clock.GetUtcNow());
        var message = new Message<byte[], DeadLetter> { Key = result.Message.Key, Value = letter };
        pending.Add((message, producer.ProduceAsync(Topics.DlqArchive, message)));
    }

    /// <summary>Waits for every letter sent so far to be acknowledged; throws if one failed (the caller retries the file).</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (pending.Count == 0)
        {
            return;
        }

        try
        {
            await Task.WhenAll(pending.Select(p => p.Delivery)).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ProduceException<byte[], DeadLetter>)
        {
            // Send the failed ones again, so the retried flush waits for them instead of the old failure.
            for (var i = 0; i < pending.Count; i++)
            {
                if (pending[i].Delivery.IsFaulted)
                {
                    pending[i] = (pending[i].Letter, producer!.ProduceAsync(Topics.DlqArchive, pending[i].Letter, cancellationToken));
                }
            }

            throw;
        }

        Delivered += pending.Count;
        pending.Clear();
    }

    public void Dispose() => producer?.Dispose();
}
