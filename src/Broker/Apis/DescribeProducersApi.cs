using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeProducers (61) v0: the idempotent and transactional producers each partition knows.</summary>
internal sealed class DescribeProducersApi : ApiHandler
{
    public DescribeProducersApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeProducers;

    public override short MaxVersion => 0;

    public override short FirstFlexibleVersion => 0;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var topics = request.Body.ReadArray(true, t =>
        {
            var topic = (Name: t.ReadString(true), Partitions: t.ReadArray(true, p => p.ReadInt32()));
            t.SkipTaggedFields(true);
            return topic;
        });

        response.WriteInt32(0);
        response.WriteArrayLength(topics.Count, true);
        foreach (var (name, partitions) in topics)
        {
            response.WriteString(name, true);
            response.WriteArrayLength(partitions.Count, true);
            foreach (var index in partitions)
            {
                var log = Runtime.Topics.FindPartition(name, index);
                response.WriteInt32(index);
                response.WriteInt16((short)(log is null ? ErrorCode.UnknownTopicOrPartition : ErrorCode.None));
                response.WriteNullableString(null, true);
                var producers = log?.Producers() ?? [];
                response.WriteArrayLength(producers.Count, true);
                foreach (var (producerId, epoch, lastSequence, lastTimestamp, transactionStart) in producers)
                {
                    response.WriteInt64(producerId);
                    response.WriteInt32(epoch);
                    response.WriteInt32(lastSequence);
                    response.WriteInt64(lastTimestamp);
                    response.WriteInt32(0); // coordinator epoch
                    response.WriteInt64(transactionStart);
                    response.WriteEmptyTaggedFields(true);
                }

                response.WriteEmptyTaggedFields(true);
            }

            response.WriteEmptyTaggedFields(true);
        }

        response.WriteEmptyTaggedFields(true);
        return Done;
    }
}
