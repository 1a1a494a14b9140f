using Confluent.Kafka;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Loader.Consuming;

/// <summary>
/// Sends a batch's dead letters to <c>dlq.loader</c> and returns only once the broker has acknowledged every one of
/// them (acks=all), so <see cref="BatchWriter"/> can commit the offsets past them. Idempotent production keeps the
/// client's own retries from duplicating a letter; a batch retried after a failed commit still sends its letters
/// again, so the topic is at-least-once (consumers de-duplicate by source topic, partition and offset).
/// </summary>
internal sealed class KafkaDeadLetterPublisher : IDeadLetterPublisher, IDisposable
{
    private readonly IProducer<byte[], DeadLetter> producer;

    public KafkaDeadLetterPublisher(string bootstrapServers, KafkaSecurityOptions security)
    {
        producer = new ProducerBuilder<byte[], DeadLetter>(StageKafkaClients.DeadLetterProducer(bootstrapServers, "cryptostreams-loader-dlq", security)).SetValueSerializer(new RecordSerializer<DeadLetter>()).Build();
    }

    public async Task PublishAsync(IReadOnlyList<RejectedRecord> letters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letters);
        // ProduceAsync completes with the delivery report: a failed delivery throws here and the batch is not committed.
        await Task.WhenAll(letters.Select(d =>
            producer.ProduceAsync(Topics.DlqLoader, new Message<byte[], DeadLetter> { Key = d.Key!, Value = d.Letter }, cancellationToken))).ConfigureAwait(false);
    }

    public void Dispose() => producer.Dispose();
}
