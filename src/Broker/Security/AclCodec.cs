using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Security;

/// <summary>The wire forms of ACL bindings and filters shared by CreateAcls, DescribeAcls and DeleteAcls.</summary>
internal static class AclCodec
{
    /// <summary>The one cluster resource's name.</summary>
    public const string ClusterName = "kafka-cluster";

    public static AclBinding ReadBinding(KafkaReader r, short version, bool flexible)
    {
        var type = (AclResourceType)r.ReadInt8();
        var name = r.ReadString(flexible);
        var pattern = version >= 1 ? (AclPatternType)r.ReadInt8() : AclPatternType.Literal;
        var binding = new AclBinding(type, name, pattern, r.ReadString(flexible), r.ReadString(flexible), (AclOperation)r.ReadInt8(), (AclPermissionType)r.ReadInt8());
        r.SkipTaggedFields(flexible);
        return binding;
    }

    public static AclFilter ReadFilter(KafkaReader r, short version, bool flexible)
    {
        var type = (AclResourceType)r.ReadInt8();
        var name = r.ReadNullableString(flexible);
        var pattern = version >= 1 ? (AclPatternType)r.ReadInt8() : AclPatternType.Literal;
        return new AclFilter(type, name, pattern, r.ReadNullableString(flexible), r.ReadNullableString(flexible), (AclOperation)r.ReadInt8(), (AclPermissionType)r.ReadInt8());
    }

    public static void WriteResource(KafkaWriter w, AclBinding binding, short version, bool flexible)
    {
        w.WriteInt8((sbyte)binding.ResourceType);
        w.WriteString(binding.ResourceName, flexible);
        if (version >= 1)
        {
            w.WriteInt8((sbyte)binding.PatternType);
        }
    }

    public static void WriteEntry(KafkaWriter w, AclBinding binding, bool flexible)
    {
        w.WriteString(binding.Principal, flexible);
        w.WriteString(binding.Host, flexible);
        w.WriteInt8((sbyte)binding.Operation);
        w.WriteInt8((sbyte)binding.Permission);
    }
}
