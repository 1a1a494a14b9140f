using CryptoStreams.Broker.Groups;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>JoinGroup (11) v0–5; the response waits for the rebalance to complete.</summary>
internal sealed class JoinGroupApi : ApiHandler
{
    public JoinGroupApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.JoinGroup;

    public override short MaxVersion => 5;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        var groupId = body.ReadString(false);
        var session = body.ReadInt32();
        var rebalance = v >= 1 ? body.ReadInt32() : session;
        var memberId = body.ReadString(false);
        var instanceId = v >= 5 ? body.ReadNullableString(false) : null;
        var protocolType = body.ReadString(false);
        // Metadata is copied: the request frame goes back to the pool when this request completes.
        var protocols = body.ReadArray(false, r => (Name: r.ReadString(false), Metadata: r.ReadBytes(false).ToArray()));
        var join = new JoinRequest(groupId, memberId, instanceId, request.ClientId ?? string.Empty, "/127.0.0.1", protocolType, protocols,
            TimeSpan.FromMilliseconds(session), TimeSpan.FromMilliseconds(rebalance), v);
        if (!Allowed(request, AclOperation.Read, AclResourceType.Group, groupId))
        {
            return Write(new JoinOutcome(ErrorCode.GroupAuthorizationFailed, -1, null, string.Empty, memberId, []), v, response);
        }

        var outcome = Runtime.Groups.JoinAsync(join);
        return outcome.IsCompleted ? Write(outcome.Result, v, response) : Await(outcome, v, response, cancellationToken);
    }

    private static async ValueTask<bool> Await(Task<JoinOutcome> outcome, short v, KafkaWriter response, CancellationToken cancellationToken) =>
        await Write(await outcome.WaitAsync(cancellationToken).ConfigureAwait(false), v, response).ConfigureAwait(false);

    private static ValueTask<bool> Write(JoinOutcome outcome, short v, KafkaWriter response)
    {
        if (v >= 2)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)outcome.Error);
        response.WriteInt32(outcome.Generation);
        response.WriteString(outcome.Protocol ?? string.Empty, false);
        response.WriteString(outcome.Leader, false);
        response.WriteString(outcome.MemberId, false);
        response.WriteArrayLength(outcome.Members.Count, false);
        foreach (var (memberId, instanceId, metadata) in outcome.Members)
        {
            response.WriteString(memberId, false);
            if (v >= 5)
            {
                response.WriteNullableString(instanceId, false);
            }

            response.WriteBytes(metadata, false);
        }

        return ValueTask.FromResult(true);
    }
}
