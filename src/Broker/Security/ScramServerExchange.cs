using System.Security.Cryptography;
using System.Text;

namespace CryptoStreams.Broker.Security;

/// <summary>
/// The server side of one SCRAM exchange (RFC 5802 §5): client-first → server-first, client-final → server-final.
/// Channel binding is refused (as Kafka does); an unknown user is answered with a made-up salt so the reply does
/// not reveal which user names exist, and the exchange fails at the proof like a wrong password.
/// </summary>
internal sealed class ScramServerExchange
{
    private readonly ScramMechanism _mechanism;
    private readonly Func<string, ScramCredential?> _credentials;
    private readonly byte[] _fakeSaltKey;
    private State _state = State.ExpectClientFirst;
    private string _clientFirstBare = "";
    private string _serverFirst = "";
    private string _nonce = "";
    private string _gs2Header = "";
    private ScramCredential? _credential;
    private string _pendingName = "";

    public ScramServerExchange(ScramMechanism mechanism, Func<string, ScramCredential?> credentials, byte[] fakeSaltKey)
    {
        _mechanism = mechanism;
        _credentials = credentials;
        _fakeSaltKey = fakeSaltKey;
    }

    private enum State
    {
        ExpectClientFirst,
        ExpectClientFinal,
        Done,
    }

    /// <summary>The authenticated user once <see cref="IsComplete"/>.</summary>
    public string? UserName { get; private set; }

    public bool IsComplete => _state == State.Done && UserName is not null;

    /// <summary>Answers one client message; throws <see cref="SaslException"/> when the exchange must fail.</summary>
    public byte[] Evaluate(ReadOnlySpan<byte> message)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(message);
        }
        catch (DecoderFallbackException)
        {
            throw Fail("SCRAM message is not UTF-8");
        }

        switch (_state)
        {
            case State.ExpectClientFirst:
                return Encoding.UTF8.GetBytes(ClientFirst(text));
            case State.ExpectClientFinal:
                return Encoding.UTF8.GetBytes(ClientFinal(text));
            default:
                throw Fail("SCRAM exchange already finished");
        }
    }

    private string ClientFirst(string message)
    {
        // gs2-header: "n,," or "y,," (no channel binding), optionally with "a=authzid"; then the bare message.
        var first = message.IndexOf(',', StringComparison.Ordinal);
        var second = first < 0 ? -1 : message.IndexOf(',', first + 1);
        if (second < 0)
        {
            throw Fail("invalid SCRAM client-first message");
        }

        var binding = message[..first];
        if (binding is not ("n" or "y"))
        {
            throw Fail("SCRAM channel binding is not supported");
        }

        var authzid = message[(first + 1)..second];
        _gs2Header = message[..(second + 1)];
        _clientFirstBare = message[(second + 1)..];
        var attributes = Attributes(_clientFirstBare);
        if (!attributes.TryGetValue('n', out var escapedName) || !attributes.TryGetValue('r', out var clientNonce) || clientNonce.Length == 0 || attributes.ContainsKey('m'))
        {
            throw Fail("invalid SCRAM client-first message");
        }

        var name = Unescape(escapedName);
        if (authzid.Length > 0 && (!authzid.StartsWith("a=", StringComparison.Ordinal) || Unescape(authzid[2..]) != name))
        {
            throw Fail("SCRAM authorization id differs from the user name");
        }

        _credential = _credentials(name);
        UserName = null;
        var salt = _credential?.Salt ?? _mechanism.Hmac(_fakeSaltKey, Encoding.UTF8.GetBytes(name));
        var iterations = _credential?.Iterations ?? ScramMechanism.MinIterations;
        _nonce = clientNonce + Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        _serverFirst = $"r={_nonce},s={Convert.ToBase64String(salt)},i={iterations}";
        _pendingName = name;
        _state = State.ExpectClientFinal;
        return _serverFirst;
    }

    private string ClientFinal(string message)
    {
        _state = State.Done;
        var proofAt = message.LastIndexOf(",p=", StringComparison.Ordinal);
        if (proofAt < 0)
        {
            throw Fail("invalid SCRAM client-final message");
        }

        var withoutProof = message[..proofAt];
        var attributes = Attributes(withoutProof);
        if (!attributes.TryGetValue('c', out var channel) || !attributes.TryGetValue('r', out var nonce))
        {
            throw Fail("invalid SCRAM client-final message");
        }

        if (channel != Convert.ToBase64String(Encoding.UTF8.GetBytes(_gs2Header)))
        {
            throw Fail("SCRAM channel binding does not match the client-first message");
        }

        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(nonce), Encoding.UTF8.GetBytes(_nonce)))
        {
            throw Fail("SCRAM nonce does not match");
        }

        byte[] proof;
        try
        {
            proof = Convert.FromBase64String(message[(proofAt + 3)..]);
        }
        catch (FormatException)
        {
            throw Fail("SCRAM client proof is not base64");
        }

        if (_credential is null || proof.Length != _mechanism.HashSize)
        {
            throw Fail(null);
        }

        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{_serverFirst},{withoutProof}");
        var clientSignature = _mechanism.Hmac(_credential.StoredKey, authMessage);
        var clientKey = new byte[proof.Length];
        for (var i = 0; i < proof.Length; i++)
        {
            clientKey[i] = (byte)(proof[i] ^ clientSignature[i]);
        }

        if (!CryptographicOperations.FixedTimeEquals(_mechanism.H(clientKey), _credential.StoredKey))
        {
            throw Fail(null);
        }

        UserName = _pendingName;
        return "v=" + Convert.ToBase64String(_mechanism.Hmac(_credential.ServerKey, authMessage));
    }

    private SaslException Fail(string? detail)
    {
        _state = State.Done;
        UserName = null;
        return new SaslException(detail is null
            ? $"Authentication failed during authentication due to invalid credentials with SASL mechanism {_mechanism.Name}"
            : $"Authentication failed with SASL mechanism {_mechanism.Name}: {detail}");
    }

    /// <summary>The comma-separated a=value attributes of a SCRAM message (first occurrence wins).</summary>
    private Dictionary<char, string> Attributes(string message)
    {
        var attributes = new Dictionary<char, string>();
        foreach (var part in message.Split(','))
        {
            if (part.Length < 2 || part[1] != '=')
            {
                throw Fail("invalid SCRAM attribute");
            }

            attributes.TryAdd(part[0], part[2..]);
        }

        return attributes;
    }

    /// <summary>saslname: "=2C" is ',' and "=3D" is '='; any other '=' is invalid.</summary>
    private string Unescape(string name)
    {
        var builder = new StringBuilder(name.Length);
        for (var i = 0; i < name.Length; i++)
        {
            if (name[i] != '=')
            {
                builder.Append(name[i]);
                continue;
            }

            var code = i + 2 < name.Length ? name.Substring(i + 1, 2) : "";
            builder.Append(code switch
            {
                "2C" => ',',
                "3D" => '=',
                _ => throw Fail("invalid escape in SCRAM user name"),
            });
            i += 2;
        }

        return builder.ToString();
    }
}

/// <summary>A SASL exchange that must fail; the message is what the client is told.</summary>
internal sealed class SaslException : Exception
{
    public SaslException(string message)
        : base(message)
    {
    }

    public SaslException()
    {
    }

    public SaslException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
