using CryptoStreams.Broker.Groups;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>SyncGroup (14) v0–3: the leader's assignment is handed to every member.</summary>
internal sealed class SyncGroupApi : ApiHandler
{
    public SyncGroupApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.SyncGroup;

    public override short MaxVersion => 3;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        var groupId = body.ReadString(false);
        var generation = body.ReadInt32();
        var memberId = body.ReadString(false);
        var instanceId = v >= 3 ? body.ReadNullableString(false) : null;
        var assignments = body.ReadArray(false, r => (MemberId: r.ReadString(false), Assignment: r.ReadBytes(false).ToArray()));
        if (!Allowed(request, AclOperation.Read, AclResourceType.Group, groupId))
        {
            return Write(new SyncOutcome(ErrorCode.GroupAuthorizationFailed, [], null, null), v, response);
        }

        var outcome = Runtime.Groups.SyncAsync(groupId, generation, memberId, instanceId, assignments);
        return outcome.IsCompleted ? Write(outcome.Result, v, response) : Await(outcome, v, response, cancellationToken);
    }

    private static async ValueTask<bool> Await(Task<SyncOutcome> outcome, short v, KafkaWriter response, CancellationToken cancellationToken) =>
        await Write(await outcome.WaitAsync(cancellationToken).ConfigureAwait(false), v, response).ConfigureAwait(false);

    private static ValueTask<bool> Write(SyncOutcome outcome, short v, KafkaWriter response)
    {
        if (v >= 1)
        {
            response.WriteInt32(0);
        }

        response.WriteInt16((short)outcome.Error);
        response.WriteBytes(outcome.Assignment, false);
        return ValueTask.FromResult(true);
    }
}
