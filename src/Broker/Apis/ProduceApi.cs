using System.Runtime.InteropServices;
using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>
/// Produce (0) v3–8. Batches are validated (length, magic, CRC-32C, idempotent sequence) and appended as sent.
/// Appends happen before the first await, so pipelined requests of one connection keep their order; acks=all
/// then waits for the group-commit fsync under <see cref="FsyncPolicy.Always"/>.
/// </summary>
internal sealed class ProduceApi : ApiHandler
{
    public ProduceApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.Produce;

    public override short MinVersion => 3;

    public override short MaxVersion => 8;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        body.ReadNullableString(false); // transactional id: the partition's producer state enforces epochs
        var acks = body.ReadInt16();
        body.ReadInt32();
        var topics = body.ReadArray(false, r => (
            Name: r.ReadString(false),
            Partitions: r.ReadArray(false, p => (Index: p.ReadInt32(), Records: p.ReadNullableBytes(false)))));

        var ackError = acks is 0 or 1 or -1 ? ErrorCode.None : ErrorCode.InvalidRequiredAcks;
        var touched = new List<PartitionLog>();
        response.WriteArrayLength(topics.Count, false);
        foreach (var (name, partitions) in topics)
        {
            var topic = ackError == ErrorCode.None ? Runtime.FindOrAutoCreate(name) : null;
            response.WriteString(name, false);
            response.WriteArrayLength(partitions.Count, false);
            foreach (var (index, records) in partitions)
            {
                AppendResult result;
                var log = topic is not null && index >= 0 && index < topic.Partitions.Length ? topic.Partitions[index] : null;
                if (ackError != ErrorCode.None)
                {
                    result = new AppendResult(ackError, -1, -1);
                }
                else if (log is null)
                {
                    result = new AppendResult(ErrorCode.UnknownTopicOrPartition, -1, -1);
                }
                else if (records is null || records.Value.Length == 0)
                {
                    result = new AppendResult(ErrorCode.CorruptMessage, -1, log.LogStartOffset, "no records");
                }
                else
                {
                    // The frame is ours: base offsets are rewritten in place before the bytes go to the segment.
                    result = log.Append(MemoryMarshal.AsMemory(records.Value));
                    if (result.Error == ErrorCode.None)
                    {
                        touched.Add(log);
                    }
                }

                response.WriteInt32(index);
                response.WriteInt16((short)result.Error);
                response.WriteInt64(result.BaseOffset);
                response.WriteInt64(result.LogAppendTime);
                if (v >= 5)
                {
                    response.WriteInt64(result.LogStartOffset);
                }

                if (v >= 8)
                {
                    response.WriteArrayLength(result.RecordErrors.Count, false);
                    foreach (var recordError in result.RecordErrors)
                    {
                        response.WriteInt32(recordError.BatchIndex);
                        response.WriteNullableString(recordError.Message, false);
                    }

                    response.WriteNullableString(result.Message, false);
                }
            }
        }

        response.WriteInt32(0);
        if (acks == 0)
        {
            return ValueTask.FromResult(false);
        }

        if (acks == -1 && touched.Count > 0 && Runtime.Options.FsyncPolicy == FsyncPolicy.Always)
        {
            return WaitDurable(touched);
        }

        return Done;
    }

    private async ValueTask<bool> WaitDurable(List<PartitionLog> touched)
    {
        await Runtime.Flusher.FlushAsync(touched).ConfigureAwait(false);
        return true;
    }
}
