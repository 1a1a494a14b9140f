using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DeleteRecords (21) v0–1: moves the log start offset; the cleaner then drops whole segments below it.</summary>
internal sealed class DeleteRecordsApi : ApiHandler
{
    public DeleteRecordsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DeleteRecords;

    public override short MaxVersion => 1;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var topics = request.Body.ReadArray(false, r => (
            Name: r.ReadString(false),
            Partitions: r.ReadArray(false, p => (Partition: p.ReadInt32(), Offset: p.ReadInt64()))));
        request.Body.ReadInt32();
        response.WriteInt32(0);
        response.WriteArrayLength(topics.Count, false);
        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name, false);
            response.WriteArrayLength(partitions.Count, false);
            foreach (var (partition, offset) in partitions)
            {
                var denied = !Allowed(request, AclOperation.Delete, AclResourceType.Topic, name);
                var log = denied ? null : Runtime.Topics.FindPartition(name, partition);
                var error = denied ? ErrorCode.TopicAuthorizationFailed : ErrorCode.UnknownTopicOrPartition;
                long low = -1;
                if (log is not null)
                {
                    error = log.AdvanceLogStart(offset, out low);
                }

                response.WriteInt32(partition);
                response.WriteInt64(low);
                response.WriteInt16((short)error);
            }
        }

        return Done;
    }
}
