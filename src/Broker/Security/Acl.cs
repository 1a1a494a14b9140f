namespace CryptoStreams.Broker.Security;

/// <summary>Kafka's ResourceType codes (org.apache.kafka.common.resource.ResourceType).</summary>
public enum AclResourceType : sbyte
{
    Unknown = 0,
    Any = 1,
    Topic = 2,
    Group = 3,
    Cluster = 4,
    TransactionalId = 5,
    DelegationToken = 6,
    User = 7,
}

/// <summary>Kafka's PatternType codes: how a binding's resource name matches.</summary>
public enum AclPatternType : sbyte
{
    Unknown = 0,
    Any = 1,
    Match = 2,
    Literal = 3,
    Prefixed = 4,
}

/// <summary>Kafka's AclOperation codes.</summary>
public enum AclOperation : sbyte
{
    Unknown = 0,
    Any = 1,
    All = 2,
    Read = 3,
    Write = 4,
    Create = 5,
    Delete = 6,
    Alter = 7,
    Describe = 8,
    ClusterAction = 9,
    DescribeConfigs = 10,
    AlterConfigs = 11,
    IdempotentWrite = 12,
    CreateTokens = 13,
    DescribeTokens = 14,
}

/// <summary>Kafka's AclPermissionType codes.</summary>
public enum AclPermissionType : sbyte
{
    Unknown = 0,
    Any = 1,
    Deny = 2,
    Allow = 3,
}

/// <summary>
/// One ACL: <paramref name="Principal"/> (User:name or User:*) from <paramref name="Host"/> (* = any) is allowed or
/// denied <paramref name="Operation"/> on the resources a literal name (* = all) or a name prefix selects.
/// </summary>
public sealed record AclBinding(
    AclResourceType ResourceType, string ResourceName, AclPatternType PatternType, string Principal, string Host, AclOperation Operation, AclPermissionType Permission)
{
    public const string Wildcard = "*";

    /// <summary>Why the binding cannot be stored, or null (the checks Kafka's CreateAcls makes).</summary>
    public string? Problem()
    {
        if (ResourceType is AclResourceType.Unknown or AclResourceType.Any)
        {
            return "the resource type must be a concrete type";
        }

        if (PatternType is not (AclPatternType.Literal or AclPatternType.Prefixed))
        {
            return "the pattern type must be LITERAL or PREFIXED";
        }

        if (Operation is AclOperation.Unknown or AclOperation.Any)
        {
            return "the operation must be a concrete operation";
        }

        if (Permission is not (AclPermissionType.Allow or AclPermissionType.Deny))
        {
            return "the permission must be ALLOW or DENY";
        }

        if (string.IsNullOrEmpty(ResourceName))
        {
            return "the resource name is empty";
        }

        if (ResourceType == AclResourceType.Cluster && ResourceName != "kafka-cluster")
        {
            return "the cluster resource is named kafka-cluster";
        }

        if (!Principal.StartsWith("User:", StringComparison.Ordinal) || Principal.Length == 5)
        {
            return "the principal must look like User:name";
        }

        return string.IsNullOrEmpty(Host) ? "the host is empty" : null;
    }

    /// <summary>True when this binding's resource pattern covers resource <paramref name="name"/> of <paramref name="type"/>.</summary>
    public bool Covers(AclResourceType type, string name) =>
        ResourceType == type && PatternType switch
        {
            AclPatternType.Literal => ResourceName == Wildcard || ResourceName == name,
            AclPatternType.Prefixed => name.StartsWith(ResourceName, StringComparison.Ordinal),
            _ => false,
        };

    public override string ToString() =>
        $"{Permission} {Principal} from {Host} {Operation} on {ResourceType} {PatternType} '{ResourceName}'";
}

/// <summary>A DescribeAcls/DeleteAcls filter: Any/null fields match everything; Match matches as authorization would.</summary>
public sealed record AclFilter(
    AclResourceType ResourceType, string? ResourceName, AclPatternType PatternType, string? Principal, string? Host, AclOperation Operation, AclPermissionType Permission)
{
    public static AclFilter All { get; } = new(AclResourceType.Any, null, AclPatternType.Any, null, null, AclOperation.Any, AclPermissionType.Any);

    public bool Matches(AclBinding binding) =>
        (ResourceType == AclResourceType.Any || ResourceType == binding.ResourceType)
        && NameMatches(binding)
        && (Principal is null || Principal == binding.Principal)
        && (Host is null || Host == binding.Host)
        && (Operation == AclOperation.Any || Operation == binding.Operation)
        && (Permission == AclPermissionType.Any || Permission == binding.Permission);

    private bool NameMatches(AclBinding binding) => PatternType switch
    {
        AclPatternType.Any => ResourceName is null || ResourceName == binding.ResourceName,
        AclPatternType.Match => ResourceName is null
            ? true
            : binding.PatternType == AclPatternType.Literal
                ? binding.ResourceName == ResourceName || binding.ResourceName == AclBinding.Wildcard
                : ResourceName.StartsWith(binding.ResourceName, StringComparison.Ordinal),
        _ => PatternType == binding.PatternType && (ResourceName is null || ResourceName == binding.ResourceName),
    };
}
