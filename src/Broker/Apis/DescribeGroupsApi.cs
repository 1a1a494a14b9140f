using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>DescribeGroups (15) v0–4.</summary>
internal sealed class DescribeGroupsApi : ApiHandler
{
    public DescribeGroupsApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.DescribeGroups;

    public override short MaxVersion => 4;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var ids = request.Body.ReadArray(false, r => r.ReadString(false));
        if (v >= 1)
        {
            response.WriteInt32(0);
        }

        var groups = Runtime.Groups.Describe(ids);
        response.WriteArrayLength(groups.Count, false);
        foreach (var group in groups)
        {
            response.WriteInt16((short)ErrorCode.None);
            response.WriteString(group.GroupId, false);
            response.WriteString(group.State, false);
            response.WriteString(group.ProtocolType, false);
            response.WriteString(group.Protocol, false);
            response.WriteArrayLength(group.Members.Count, false);
            foreach (var member in group.Members)
            {
                response.WriteString(member.MemberId, false);
                if (v >= 4)
                {
                    response.WriteNullableString(member.InstanceId, false);
                }

                response.WriteString(member.ClientId, false);
                response.WriteString(member.ClientHost, false);
                response.WriteBytes(member.Metadata, false);
                response.WriteBytes(member.Assignment, false);
            }

            if (v >= 3)
            {
                response.WriteInt32(int.MinValue);
            }
        }

        return Done;
    }
}
