using System.Security.Cryptography;

namespace CryptoStreams.Broker.Security;

/// <summary>
/// Authentication and authorization of the broker. Off (PLAINTEXT): every request is allowed, as on Kafka without an
/// authorizer. On (SASL_PLAINTEXT): a connection must authenticate with SASL before any request but ApiVersions and
/// the SASL APIs, and every request is checked against the ACLs in Kafka's model (deny wins; no matching allow =
/// denied; super users pass).
/// </summary>
internal sealed class BrokerSecurity
{
    public const string Plain = "PLAIN";

    private readonly HashSet<string> _superUsers;

    public BrokerSecurity(BrokerOptions options, string dataDirectory)
    {
        Enabled = options.SecurityProtocol switch
        {
            "PLAINTEXT" => false,
            "SASL_PLAINTEXT" => true,
            _ => throw new InvalidOperationException($"Broker:SecurityProtocol must be PLAINTEXT or SASL_PLAINTEXT, not '{options.SecurityProtocol}'."),
        };
        var mechanisms = options.SaslMechanisms.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var unknown = mechanisms.Where(m => m != Plain && ScramMechanism.Find(m) is null).ToList();
        if (unknown.Count > 0)
        {
            throw new InvalidOperationException($"Broker:SaslMechanisms: unknown mechanism(s) {string.Join(", ", unknown)}; use PLAIN, SCRAM-SHA-256, SCRAM-SHA-512.");
        }

        Mechanisms = [.. mechanisms.Distinct(StringComparer.Ordinal)];
        var directory = Path.Combine(dataDirectory, UserStore.DirectoryName);
        Users = UserStore.Load(directory, options.Users, options.ScramIterations);
        Acls = new AclStore(directory);
        _superUsers = [.. options.SuperUsers.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(u => u.StartsWith("User:", StringComparison.Ordinal) ? u : "User:" + u)];
        if (Enabled && Users.Names.Count == 0)
        {
            throw new InvalidOperationException("Broker:SecurityProtocol is SASL_PLAINTEXT but no user is defined: set Broker:Users:<name>:Password (or PasswordFile), or add one with `cryptostreams broker users add`.");
        }
    }

    public bool Enabled { get; }

    public IReadOnlyList<string> Mechanisms { get; }

    public UserStore Users { get; }

    public AclStore Acls { get; }

    /// <summary>Keys the made-up salt shown for unknown users, stable while the broker runs.</summary>
    public byte[] FakeSaltKey { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>What a PLAIN password of an unknown user is checked against, so the answer takes as long as for a known one.</summary>
    public ScramCredential UnknownUserCredential { get; } = ScramMechanism.Sha512.CreateCredential(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));

    /// <summary>True when the session may perform <paramref name="operation"/> on the resource.</summary>
    public bool Allows(ClientSession session, AclOperation operation, AclResourceType type, string name)
    {
        if (!Enabled || _superUsers.Contains(session.Principal))
        {
            return true;
        }

        var bindings = Acls.Snapshot;
        var allowed = false;
        foreach (var binding in bindings)
        {
            if (!binding.Covers(type, name) || !AppliesTo(binding, session))
            {
                continue;
            }

            if (binding.Permission == AclPermissionType.Deny && (binding.Operation == operation || binding.Operation == AclOperation.All))
            {
                return false;
            }

            allowed |= binding.Permission == AclPermissionType.Allow && Grants(binding.Operation, operation);
        }

        return allowed;
    }

    /// <summary>True when some ACL allows <paramref name="operation"/> on at least one resource of <paramref name="type"/> (KIP-679's idempotent write).</summary>
    public bool AllowsAny(ClientSession session, AclOperation operation, AclResourceType type) =>
        !Enabled || _superUsers.Contains(session.Principal)
        || Acls.Snapshot.Any(b => b.ResourceType == type && b.Permission == AclPermissionType.Allow && Grants(b.Operation, operation) && AppliesTo(b, session));

    private static bool AppliesTo(AclBinding binding, ClientSession session) =>
        (binding.Principal == session.Principal || binding.Principal == "User:*")
        && (binding.Host == AclBinding.Wildcard || binding.Host == session.Host);

    /// <summary>Kafka's implications: ALL grants everything; READ, WRITE, DELETE, ALTER grant DESCRIBE; ALTER_CONFIGS grants DESCRIBE_CONFIGS.</summary>
    private static bool Grants(AclOperation granted, AclOperation wanted) =>
        granted == wanted || granted == AclOperation.All
        || (wanted == AclOperation.Describe && granted is AclOperation.Read or AclOperation.Write or AclOperation.Delete or AclOperation.Alter)
        || (wanted == AclOperation.DescribeConfigs && granted == AclOperation.AlterConfigs);
}
