using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeTransactions (65) v0: state, producer, timeout and partitions of each transactional id.</summary>
internal sealed class DescribeTransactionsApi : ApiHandler
{
    public DescribeTransactionsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeTransactions;

    public override short MaxVersion => 0;

    public override short FirstFlexibleVersion => 0;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var ids = request.Body.ReadArray(true, r => r.ReadString(true));
        var states = Runtime.Transactions.Snapshot().ToDictionary(t => t.TransactionalId, StringComparer.Ordinal);
        response.WriteInt32(0);
        response.WriteArrayLength(ids.Count, true);
        foreach (var id in ids)
        {
            var found = states.GetValueOrDefault(id);
            response.WriteInt16((short)(found is null ? ErrorCode.TransactionalIdNotFound : ErrorCode.None));
            response.WriteString(id, true);
            response.WriteString(found?.Status.ToString() ?? string.Empty, true);
            response.WriteInt32(found?.TimeoutMs ?? 0);
            response.WriteInt64(found?.StartedAtMs ?? -1);
            response.WriteInt64(found?.ProducerId ?? -1);
            response.WriteInt16(found?.Epoch ?? -1);
            var topics = found?.Partitions.GroupBy(p => p.Topic).ToList() ?? [];
            response.WriteArrayLength(topics.Count, true);
            foreach (var topic in topics)
            {
                response.WriteString(topic.Key, true);
                response.WriteArrayLength(topic.Count(), true);
                foreach (var (_, partition) in topic)
                {
                    response.WriteInt32(partition);
                }

                response.WriteEmptyTaggedFields(true);
            }

            response.WriteEmptyTaggedFields(true);
        }

        response.WriteEmptyTaggedFields(true);
        return Done;
    }
}
