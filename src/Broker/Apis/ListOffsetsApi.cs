using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>ListOffsets (2) v1–5: earliest (-2), latest (-1; the last stable offset for read_committed) or by timestamp.</summary>
internal sealed class ListOffsetsApi : ApiHandler
{
    private const long Latest = -1;
    private const long Earliest = -2;

    public ListOffsetsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.ListOffsets;

    public override short MinVersion => 1;

    public override short MaxVersion => 5;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        body.ReadInt32();
        var readCommitted = v >= 2 && body.ReadInt8() == 1;
        var topics = body.ReadArray(false, r => (
            Name: r.ReadString(false),
            Partitions: r.ReadArray(false, p =>
            {
                var partition = p.ReadInt32();
                if (v >= 4)
                {
                    p.ReadInt32();
                }

                return (Partition: partition, Timestamp: p.ReadInt64());
            })));

        if (v >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteArrayLength(topics.Count, false);
        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name, false);
            response.WriteArrayLength(partitions.Count, false);
            foreach (var (partition, timestamp) in partitions)
            {
                var denied = !Allowed(request, AclOperation.Describe, AclResourceType.Topic, name);
                var log = denied ? null : Runtime.Topics.FindPartition(name, partition);
                var error = ErrorCode.None;
                long offset = -1, foundTimestamp = -1;
                if (denied)
                {
                    error = ErrorCode.TopicAuthorizationFailed;
                }
                else if (log is null)
                {
                    error = ErrorCode.UnknownTopicOrPartition;
                }
                else if (timestamp == Latest)
                {
                    offset = readCommitted ? log.LastStableOffset : log.HighWatermark;
                }
                else if (timestamp == Earliest)
                {
                    offset = log.LogStartOffset;
                }
                else if (timestamp >= 0)
                {
                    (offset, foundTimestamp) = log.OffsetForTimestamp(timestamp);
                }
                else
                {
                    error = ErrorCode.InvalidRequest;
                }

                response.WriteInt32(partition);
                response.WriteInt16((short)error);
                response.WriteInt64(foundTimestamp);
                response.WriteInt64(offset);
                if (v >= 4)
                {
                    response.WriteInt32(0);
                }
            }
        }

        return Done;
    }
}
