namespace CryptoStreams.Broker.Security;

/// <summary>
/// A user from <c>Broker:Users:&lt;name&gt;</c>. The password comes from the configuration (an environment variable
/// such as <c>CRYPTOSTREAMS__Broker__Users__loader__Password</c>) or from a file; at start-up it is turned into SCRAM
/// credentials and the text is not kept.
/// </summary>
public sealed class BrokerUser
{
    public string? Password { get; set; }

    /// <summary>A file whose first line is the password (Docker/Kubernetes secrets).</summary>
    public string? PasswordFile { get; set; }

    // Never print the secret.
    public override string ToString() => PasswordFile is null ? "user with a configured password" : $"user with password file {PasswordFile}";
}
