using System.Text;
using CryptoStreams.Broker.Security;

namespace CryptoStreams.Broker.Tests.Security;

/// <summary>The SCRAM formulas and the server's exchange, without a network.</summary>
public sealed class ScramTests
{
    [Fact]
    public void Formulas_reproduce_the_RFC_7677_SCRAM_SHA_256_example()
    {
        var mechanism = ScramMechanism.Sha256;
        var salted = mechanism.SaltedPassword("pencil"u8, Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
        var authMessage = Encoding.UTF8.GetBytes(
            "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
            + "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0");
        var clientKey = mechanism.ClientKey(salted);
        var proof = clientKey.Zip(mechanism.Hmac(mechanism.H(clientKey), authMessage), (a, b) => (byte)(a ^ b)).ToArray();

        Assert.Equal("dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", Convert.ToBase64String(proof));
        Assert.Equal("6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=", Convert.ToBase64String(mechanism.Hmac(mechanism.ServerKey(salted), authMessage)));
    }

    [Theory]
    [InlineData("SCRAM-SHA-256")]
    [InlineData("SCRAM-SHA-512")]
    public void Right_password_authenticates_and_the_server_signature_verifies(string name)
    {
        var mechanism = ScramMechanism.Find(name)!;
        var users = Users(("alice", "s3cret"));
        var server = new ScramServerExchange(mechanism, u => users.Find(u, mechanism), new byte[32]);
        var client = new ScramClient(mechanism, "alice", "s3cret");

        var serverFinal = server.Evaluate(client.ClientFinal(server.Evaluate(client.ClientFirst())));

        Assert.True(server.IsComplete);
        Assert.Equal("alice", server.UserName);
        Assert.True(client.VerifyServerFinal(serverFinal));

        // A signature for another password does not verify: the client would notice a server without the credential.
        var impostor = new ScramClient(mechanism, "alice", "other");
        var impostorServer = new ScramServerExchange(mechanism, u => Users(("alice", "other")).Find(u, mechanism), new byte[32]);
        impostor.ClientFinal(impostorServer.Evaluate(impostor.ClientFirst()));
        Assert.False(impostor.VerifyServerFinal(serverFinal));
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("mallory", "s3cret")]
    public void Wrong_password_and_unknown_user_fail_at_the_proof_alike(string user, string password)
    {
        var mechanism = ScramMechanism.Sha256;
        var users = Users(("alice", "s3cret"));
        var server = new ScramServerExchange(mechanism, u => users.Find(u, mechanism), new byte[32]);
        var client = new ScramClient(mechanism, user, password);
        var serverFirst = server.Evaluate(client.ClientFirst());

        var failure = Assert.Throws<SaslException>(() => server.Evaluate(client.ClientFinal(serverFirst)));

        Assert.Equal("Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256", failure.Message);
        Assert.False(server.IsComplete);
        Assert.Null(server.UserName);
    }

    [Theory]
    [InlineData("p=tls-server-end-point,,n=alice,r=abc")]
    [InlineData("n,,r=abc")]
    [InlineData("n,a=bob,n=alice,r=abc")]
    [InlineData("n,,n=al=ZZice,r=abc")]
    [InlineData("garbage")]
    public void Malformed_or_channel_bound_client_first_messages_fail(string message)
    {
        var users = Users(("alice", "s3cret"));
        var server = new ScramServerExchange(ScramMechanism.Sha256, u => users.Find(u, ScramMechanism.Sha256), new byte[32]);
        Assert.Throws<SaslException>(() => server.Evaluate(Encoding.UTF8.GetBytes(message)));
        Assert.False(server.IsComplete);
    }

    [Fact]
    public void A_replayed_proof_fails_against_a_new_server_nonce()
    {
        var mechanism = ScramMechanism.Sha256;
        var users = Users(("alice", "s3cret"));
        var client = new ScramClient(mechanism, "alice", "s3cret", nonce: "fixed-client-nonce");
        var first = new ScramServerExchange(mechanism, u => users.Find(u, mechanism), new byte[32]);
        var recordedFinal = client.ClientFinal(first.Evaluate(client.ClientFirst()));
        first.Evaluate(recordedFinal);
        Assert.True(first.IsComplete);

        var second = new ScramServerExchange(mechanism, u => users.Find(u, mechanism), new byte[32]);
        second.Evaluate(client.ClientFirst());
        Assert.Throws<SaslException>(() => second.Evaluate(recordedFinal));
        Assert.False(second.IsComplete);
    }

    [Fact]
    public void Stored_credentials_hold_no_password_and_survive_a_round_trip_through_the_users_file()
    {
        var directory = Directory.CreateTempSubdirectory("users-");
        try
        {
            var path = Path.Combine(directory.FullName, UserStore.FileName);
            var store = Users(("alice", "s3cret-password"));
            store.WriteFile(path);

            Assert.DoesNotContain("s3cret-password", File.ReadAllText(path), StringComparison.Ordinal);
            var loaded = UserStore.ReadFile(path);
            Assert.True(loaded.Find("alice", ScramMechanism.Sha512)!.Matches("s3cret-password"));
            Assert.False(loaded.Find("alice", ScramMechanism.Sha256)!.Matches("s3cret-passwore"));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    private static UserStore Users(params (string Name, string Password)[] users)
    {
        var store = UserStore.Empty();
        foreach (var (name, password) in users)
        {
            store.Set(name, password);
        }

        return store;
    }
}
