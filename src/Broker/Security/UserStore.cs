using System.Text.Json;
using System.Text.Json.Serialization;

namespace CryptoStreams.Broker.Security;

/// <summary>
/// SCRAM credentials per user and mechanism: the users of <c>Broker:Users</c> (derived at start-up) and those in
/// <c>security/users.json</c> of the data directory (written by <c>cryptostreams broker users add</c>; only salts,
/// iteration counts and keys, never a password). Configuration wins where both name a user.
/// </summary>
public sealed class UserStore
{
    public const string FileName = "users.json";

    /// <summary>The data directory's folder for users and ACLs.</summary>
    public const string DirectoryName = "security";

    private readonly Dictionary<string, Dictionary<string, ScramCredential>> _users;

    private UserStore(Dictionary<string, Dictionary<string, ScramCredential>> users) => _users = users;

    public IReadOnlyCollection<string> Names => _users.Keys;

    /// <summary>Where the users file of <paramref name="dataDirectory"/> is.</summary>
    public static string FilePath(string dataDirectory) => Path.Combine(dataDirectory, DirectoryName, FileName);

    public static UserStore Empty() => new(new Dictionary<string, Dictionary<string, ScramCredential>>(StringComparer.Ordinal));

    /// <summary>The credential store of a data directory plus the configured users.</summary>
    public static UserStore Load(string securityDirectory, IReadOnlyDictionary<string, BrokerUser> configured, int iterations)
    {
        var file = ReadFile(Path.Combine(securityDirectory, FileName));
        foreach (var (name, user) in configured)
        {
            file.Set(name, ResolvePassword(name, user), iterations);
        }

        return file;
    }

    /// <summary>Reads a users file (empty when absent).</summary>
    public static UserStore ReadFile(string path)
    {
        var users = new Dictionary<string, Dictionary<string, ScramCredential>>(StringComparer.Ordinal);
        if (File.Exists(path))
        {
            var stored = JsonSerializer.Deserialize(File.ReadAllBytes(path), SecurityJson.Default.DictionaryStringListStoredCredential)
                ?? throw new InvalidDataException($"{path} is empty");
            foreach (var (name, credentials) in stored)
            {
                users[name] = credentials.ToDictionary(c => c.Mechanism, c => c.ToCredential(), StringComparer.Ordinal);
            }
        }

        return new UserStore(users);
    }

    /// <summary>Writes the store atomically (temporary file, fsync, rename).</summary>
    public void WriteFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var stored = _users.ToDictionary(u => u.Key, u => u.Value.Values.Select(StoredCredential.From).ToList(), StringComparer.Ordinal);
        SecurityFiles.WriteAtomically(path, JsonSerializer.SerializeToUtf8Bytes(stored, SecurityJson.Default.DictionaryStringListStoredCredential));
    }

    /// <summary>Adds or replaces a user with credentials of every SCRAM mechanism derived from <paramref name="password"/>.</summary>
    public void Set(string name, string password, int iterations = ScramMechanism.MinIterations)
    {
        if (string.IsNullOrEmpty(name) || name.Contains(',', StringComparison.Ordinal) || name.Contains('=', StringComparison.Ordinal) || name.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"user name '{name}' is empty or contains ',', '=' or NUL", nameof(name));
        }

        if (string.IsNullOrEmpty(password))
        {
            throw new ArgumentException($"the password of user '{name}' is empty", nameof(password));
        }

        _users[name] = ScramMechanism.All.ToDictionary(m => m.Name, m => m.CreateCredential(password, iterations), StringComparer.Ordinal);
    }

    public bool Remove(string name) => _users.Remove(name);

    public ScramCredential? Find(string name, ScramMechanism mechanism) =>
        _users.TryGetValue(name, out var credentials) && credentials.TryGetValue(mechanism.Name, out var credential) ? credential : null;

    private static string ResolvePassword(string name, BrokerUser user)
    {
        if (!string.IsNullOrEmpty(user.PasswordFile))
        {
            if (!File.Exists(user.PasswordFile))
            {
                throw new InvalidOperationException($"Broker:Users:{name}:PasswordFile names {user.PasswordFile}, which does not exist.");
            }

            var text = File.ReadLines(user.PasswordFile).FirstOrDefault()?.Trim();
            return string.IsNullOrEmpty(text)
                ? throw new InvalidOperationException($"Broker:Users:{name}:PasswordFile {user.PasswordFile} is empty.")
                : text;
        }

        return string.IsNullOrEmpty(user.Password)
            ? throw new InvalidOperationException($"Broker:Users:{name} needs Password or PasswordFile.")
            : user.Password;
    }
}

/// <summary>The JSON form of a <see cref="ScramCredential"/> (base64 keys).</summary>
internal sealed record StoredCredential(string Mechanism, string Salt, int Iterations, string StoredKey, string ServerKey)
{
    public static StoredCredential From(ScramCredential c) =>
        new(c.Mechanism, Convert.ToBase64String(c.Salt), c.Iterations, Convert.ToBase64String(c.StoredKey), Convert.ToBase64String(c.ServerKey));

    public ScramCredential ToCredential() =>
        new(Mechanism, Convert.FromBase64String(Salt), Iterations, Convert.FromBase64String(StoredKey), Convert.FromBase64String(ServerKey));
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, UseStringEnumConverter = true)]
[JsonSerializable(typeof(Dictionary<string, List<StoredCredential>>))]
[JsonSerializable(typeof(List<AclBinding>))]
internal sealed partial class SecurityJson : JsonSerializerContext;

internal static class SecurityFiles
{
    public static void WriteAtomically(string path, byte[] content)
    {
        var temp = path + ".tmp";
        // Owner-only: the credentials are not passwords, but nobody else needs them.
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var output = new FileStream(temp, options))
        {
            output.Write(content);
            output.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}
