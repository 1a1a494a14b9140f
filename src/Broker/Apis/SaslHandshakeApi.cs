using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>SaslHandshake (17) v1: the client names its mechanism; the tokens follow in SaslAuthenticate.</summary>
internal sealed class SaslHandshakeApi : ApiHandler
{
    public SaslHandshakeApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.SaslHandshake;

    // v0 sends the tokens as raw frames; clients since Kafka 1.0 and librdkafka use v1 with SaslAuthenticate.
    public override short MinVersion => 1;

    public override short MaxVersion => 1;

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var mechanism = request.Body.ReadString(false);
        var security = Runtime.Security;
        var session = request.Session;
        var mechanisms = security.Enabled ? security.Mechanisms : [];
        ErrorCode error;
        if (session.Authenticated || session.Mechanism is not null)
        {
            error = ErrorCode.IllegalSaslState;
        }
        else if (mechanisms.Contains(mechanism))
        {
            session.BeginHandshake(mechanism);
            error = ErrorCode.None;
        }
        else
        {
            SecurityLog.UnsupportedMechanism(Runtime.Logger, session.Id, mechanism, security.Enabled ? string.Join(",", mechanisms) : "none (security is off)");
            error = ErrorCode.UnsupportedSaslMechanism;
        }

        response.WriteInt16((short)error);
        response.WriteArrayLength(mechanisms.Count, false);
        foreach (var name in mechanisms)
        {
            response.WriteString(name, false);
        }

        return Done;
    }
}
