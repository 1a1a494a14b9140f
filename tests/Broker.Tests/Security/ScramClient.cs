using System.Security.Cryptography;
using System.Text;
using CryptoStreams.Broker.Security;

namespace CryptoStreams.Broker.Tests.Security;

/// <summary>
/// The client side of SCRAM written from RFC 5802 for the tests: it builds the proof and checks the server's
/// signature, so a test can see exactly what the broker answers.
/// </summary>
public sealed class ScramClient(ScramMechanism mechanism, string user, string password, string? nonce = null)
{
    private readonly string _clientNonce = nonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
    private string _clientFirstBare = "";
    private byte[] _expectedServerSignature = [];

    public byte[] ClientFirst()
    {
        _clientFirstBare = $"n={user.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal)},r={_clientNonce}";
        return Encoding.UTF8.GetBytes("n,," + _clientFirstBare);
    }

    /// <summary>The client-final message for the server-first message.</summary>
    public byte[] ClientFinal(byte[] serverFirstBytes)
    {
        var serverFirst = Encoding.UTF8.GetString(serverFirstBytes);
        var attributes = serverFirst.Split(',').ToDictionary(p => p[0], p => p[2..]);
        if (!attributes['r'].StartsWith(_clientNonce, StringComparison.Ordinal))
        {
            throw new InvalidOperationException("server nonce does not extend the client nonce");
        }

        var salted = mechanism.SaltedPassword(Encoding.UTF8.GetBytes(password), Convert.FromBase64String(attributes['s']), int.Parse(attributes['i'], System.Globalization.CultureInfo.InvariantCulture));
        var withoutProof = $"c=biws,r={attributes['r']}";
        var authMessage = Encoding.UTF8.GetBytes($"{_clientFirstBare},{serverFirst},{withoutProof}");
        var clientKey = mechanism.ClientKey(salted);
        var signature = mechanism.Hmac(mechanism.H(clientKey), authMessage);
        var proof = clientKey.Zip(signature, (a, b) => (byte)(a ^ b)).ToArray();
        _expectedServerSignature = mechanism.Hmac(mechanism.ServerKey(salted), authMessage);
        return Encoding.UTF8.GetBytes($"{withoutProof},p={Convert.ToBase64String(proof)}");
    }

    /// <summary>True when the server-final message carries the signature only a holder of this password's ServerKey can make.</summary>
    public bool VerifyServerFinal(byte[] serverFinal) =>
        Encoding.UTF8.GetString(serverFinal) is var text && text.StartsWith("v=", StringComparison.Ordinal)
        && CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(text[2..]), _expectedServerSignature);
}
