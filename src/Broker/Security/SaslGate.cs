using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Security;

/// <summary>
/// What a connection may send before it has authenticated: like Kafka's SASL listener, only ApiVersions and the SASL
/// APIs; anything else, or any request after a failed authentication, closes the connection.
/// </summary>
internal static class SaslGate
{
    public static void Check(BrokerSecurity security, ClientSession session, ApiKey key)
    {
        if (!security.Enabled || session.Authenticated)
        {
            return;
        }

        if (session.Failed)
        {
            throw new UnsupportedRequestException($"{key} after failed SASL authentication");
        }

        if (key is not (ApiKey.ApiVersions or ApiKey.SaslHandshake or ApiKey.SaslAuthenticate))
        {
            throw new UnsupportedRequestException($"{key} before SASL authentication (the listener requires SASL_PLAINTEXT)");
        }
    }
}
