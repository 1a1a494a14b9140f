using System.Security.Cryptography;

namespace CryptoStreams.Broker.Security;

/// <summary>
/// One SCRAM hash (RFC 5802 with SHA-256 per RFC 7677, SHA-512 as Kafka adds it): the formulas the server and a
/// client both evaluate. Kafka stores per user and mechanism only the salt, the iteration count, StoredKey and
/// ServerKey, so a leaked credential store does not give the password or a working client proof.
/// </summary>
public sealed class ScramMechanism
{
    /// <summary>Kafka's lower bound of iterations (and its default).</summary>
    public const int MinIterations = 4096;

    private ScramMechanism(string name, HashAlgorithmName hash, int size)
    {
        Name = name;
        Hash = hash;
        HashSize = size;
    }

    public static ScramMechanism Sha256 { get; } = new("SCRAM-SHA-256", HashAlgorithmName.SHA256, 32);

    public static ScramMechanism Sha512 { get; } = new("SCRAM-SHA-512", HashAlgorithmName.SHA512, 64);

    public static IReadOnlyList<ScramMechanism> All { get; } = [Sha256, Sha512];

    /// <summary>The SASL mechanism name (SCRAM-SHA-256, SCRAM-SHA-512).</summary>
    public string Name { get; }

    public HashAlgorithmName Hash { get; }

    public int HashSize { get; }

    public static ScramMechanism? Find(string name) => All.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.Ordinal));

    /// <summary>Hi(password, salt, i) = PBKDF2 with HMAC of this hash.</summary>
    public byte[] SaltedPassword(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, Hash, HashSize);

    public byte[] Hmac(ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);

    public byte[] H(ReadOnlySpan<byte> data) =>
        Hash == HashAlgorithmName.SHA256 ? SHA256.HashData(data) : SHA512.HashData(data);

    public byte[] ClientKey(ReadOnlySpan<byte> saltedPassword) => Hmac(saltedPassword, "Client Key"u8);

    public byte[] ServerKey(ReadOnlySpan<byte> saltedPassword) => Hmac(saltedPassword, "Server Key"u8);

    /// <summary>A new credential with a random salt.</summary>
    public ScramCredential CreateCredential(string password, int iterations = MinIterations)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (iterations < MinIterations)
        {
            throw new ArgumentOutOfRangeException(nameof(iterations), iterations, $"SCRAM needs at least {MinIterations} iterations");
        }

        var salt = RandomNumberGenerator.GetBytes(HashSize);
        var salted = SaltedPassword(System.Text.Encoding.UTF8.GetBytes(password), salt, iterations);
        return new ScramCredential(Name, salt, iterations, H(ClientKey(salted)), ServerKey(salted));
    }

    public override string ToString() => Name;
}

/// <summary>What the broker keeps of a password for one mechanism (Kafka's ScramCredential).</summary>
public sealed record ScramCredential(string Mechanism, byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>True when <paramref name="password"/> derives this credential (SASL/PLAIN checks against it).</summary>
    public bool Matches(string password)
    {
        var mechanism = ScramMechanism.Find(Mechanism) ?? throw new InvalidOperationException($"unknown SCRAM mechanism {Mechanism}");
        var salted = mechanism.SaltedPassword(System.Text.Encoding.UTF8.GetBytes(password), Salt, Iterations);
        return CryptographicOperations.FixedTimeEquals(mechanism.H(mechanism.ClientKey(salted)), StoredKey);
    }

    // The keys are secrets: never printed by a log line or a debugger display of the record.
    public override string ToString() => $"{Mechanism} credential ({Iterations} iterations)";
}
