namespace CryptoStreams.Broker.Security;

/// <summary>
/// What one connection has proved about itself: the SASL mechanism it chose, the exchange in progress, and the
/// principal once authenticated. Touched only by the connection's read loop (handlers run there in order).
/// </summary>
internal sealed class ClientSession
{
    public const string AnonymousPrincipal = "User:ANONYMOUS";

    public ClientSession(long id, string? remote)
    {
        Id = id;
        Host = HostOf(remote);
    }

    public long Id { get; }

    /// <summary>The client's address without the port, as ACL host fields name it.</summary>
    public string Host { get; }

    public string Principal { get; private set; } = AnonymousPrincipal;

    public bool Authenticated { get; private set; }

    /// <summary>Set when authentication failed: the connection is closed on its next request, as Kafka does.</summary>
    public bool Failed { get; private set; }

    /// <summary>The mechanism named by SaslHandshake, until the exchange ends.</summary>
    public string? Mechanism { get; private set; }

    public ScramServerExchange? Scram { get; set; }

    public void BeginHandshake(string mechanism)
    {
        Mechanism = mechanism;
        Scram = null;
    }

    public void Succeed(string user)
    {
        Principal = "User:" + user;
        Authenticated = true;
        Mechanism = null;
        Scram = null;
    }

    public void Fail()
    {
        Failed = true;
        Mechanism = null;
        Scram = null;
    }

    private static string HostOf(string? remote)
    {
        if (remote is null)
        {
            return "*";
        }

        // "[::1]:1234" or "127.0.0.1:1234"
        var colon = remote.LastIndexOf(':');
        var host = colon > 0 ? remote[..colon] : remote;
        return host.Trim('[', ']');
    }
}
