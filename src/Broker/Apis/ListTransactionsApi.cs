using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;
using CryptoStreams.Broker.Transactions;

namespace CryptoStreams.Broker.Apis;

/// <summary>ListTransactions (66) v0–1: transactional ids by state, producer id and (v1) minimum running time.</summary>
internal sealed class ListTransactionsApi : ApiHandler
{
    public ListTransactionsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.ListTransactions;

    public override short MaxVersion => 1;

    public override short FirstFlexibleVersion => 0;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var body = request.Body;
        var states = body.ReadArray(true, r => r.ReadString(true));
        var producerIds = body.ReadArray(true, r => r.ReadInt64());
        var minDurationMs = request.Version >= 1 ? body.ReadInt64() : -1;
        var known = Enum.GetNames<TransactionStatus>();
        var now = Runtime.Time.GetUtcNow().ToUnixTimeMilliseconds();
        var listed = Runtime.Transactions.Snapshot()
            .Where(t => states.Count == 0 || states.Contains(t.Status.ToString()))
            .Where(t => producerIds.Count == 0 || producerIds.Contains(t.ProducerId))
            .Where(t => minDurationMs < 0 || (t.StartedAtMs >= 0 && now - t.StartedAtMs >= minDurationMs))
            .ToList();
        var unknown = states.Where(s => !known.Contains(s)).ToList();

        response.WriteInt32(0);
        response.WriteInt16((short)ErrorCode.None);
        response.WriteArrayLength(unknown.Count, true);
        foreach (var state in unknown)
        {
            response.WriteString(state, true);
        }

        response.WriteArrayLength(listed.Count, true);
        foreach (var transaction in listed)
        {
            response.WriteString(transaction.TransactionalId, true);
            response.WriteInt64(transaction.ProducerId);
            response.WriteString(transaction.Status.ToString(), true);
            response.WriteEmptyTaggedFields(true);
        }

        response.WriteEmptyTaggedFields(true);
        return Done;
    }
}
