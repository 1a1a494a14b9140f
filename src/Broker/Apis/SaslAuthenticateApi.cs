using System.Text;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>
/// SaslAuthenticate (36) v0–2: one SASL token each way. PLAIN takes one round, SCRAM two. A failure answers
/// SASL_AUTHENTICATION_FAILED with the reason and closes the connection on the client's next request.
/// </summary>
internal sealed class SaslAuthenticateApi : ApiHandler
{
    public SaslAuthenticateApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.SaslAuthenticate;

    public override short MaxVersion => 2;

    public override short FirstFlexibleVersion => 2;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var token = request.Body.ReadBytes(request.Flexible);
        var session = request.Session;
        var error = ErrorCode.None;
        string? message = null;
        var reply = Array.Empty<byte>();
        if (session.Mechanism is not { } mechanism)
        {
            error = ErrorCode.IllegalSaslState;
            message = "SaslAuthenticate without a SaslHandshake naming the mechanism first";
            session.Fail();
        }
        else
        {
            try
            {
                reply = mechanism == BrokerSecurity.Plain ? Plain(session, token.Span) : Scram(session, mechanism, token.Span);
            }
            catch (SaslException ex)
            {
                error = ErrorCode.SaslAuthenticationFailed;
                message = ex.Message;
                SecurityLog.AuthenticationFailed(Runtime.Logger, session.Id, session.Host, mechanism);
                session.Fail();
            }
        }

        response.WriteInt16((short)error);
        response.WriteNullableString(message, request.Flexible);
        response.WriteBytes(reply, request.Flexible);
        if (request.Version >= 1)
        {
            response.WriteInt64(0);
        }

        response.WriteEmptyTaggedFields(request.Flexible);
        return Done;
    }

    private byte[] Plain(ClientSession session, ReadOnlySpan<byte> token)
    {
        // [authzid] NUL authcid NUL passwd (RFC 4616)
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(token);
        }
        catch (DecoderFallbackException)
        {
            throw new SaslException("Authentication failed with SASL mechanism PLAIN: the message is not UTF-8");
        }

        var parts = text.Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0 || (parts[0].Length > 0 && parts[0] != parts[1]))
        {
            throw new SaslException("Authentication failed with SASL mechanism PLAIN: invalid message");
        }

        var credential = Runtime.Security.Users.Find(parts[1], ScramMechanism.Sha512);
        // An unknown user costs the same key derivation as a known one.
        var matches = (credential ?? Runtime.Security.UnknownUserCredential).Matches(parts[2]);
        if (credential is null || !matches)
        {
            throw new SaslException("Authentication failed: Invalid username or password");
        }

        SecurityLog.Authenticated(Runtime.Logger, session.Id, session.Host, parts[1], BrokerSecurity.Plain);
        session.Succeed(parts[1]);
        return [];
    }

    private byte[] Scram(ClientSession session, string mechanismName, ReadOnlySpan<byte> token)
    {
        var mechanism = ScramMechanism.Find(mechanismName)!;
        session.Scram ??= new ScramServerExchange(mechanism, user => Runtime.Security.Users.Find(user, mechanism), Runtime.Security.FakeSaltKey);
        var reply = session.Scram.Evaluate(token);
        if (session.Scram.IsComplete)
        {
            var user = session.Scram.UserName!;
            SecurityLog.Authenticated(Runtime.Logger, session.Id, session.Host, user, mechanism.Name);
            session.Succeed(user);
        }

        return reply;
    }
}
