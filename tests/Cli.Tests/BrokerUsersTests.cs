using Confluent.Kafka;
using CryptoStreams.Broker;

namespace CryptoStreams.Cli.Tests;

/// <summary><c>broker users add|list|remove</c> write the credential file a SASL broker then authenticates against.</summary>
public sealed class BrokerUsersTests : IDisposable
{
    private readonly string dataDir = Directory.CreateTempSubdirectory("cli-users-").FullName;

    public void Dispose() => Directory.Delete(dataDir, recursive: true);

    [Fact]
    public async Task An_added_user_authenticates_with_SCRAM_and_a_removed_one_is_gone()
    {
        var passwordFile = Path.Combine(dataDir, "alice.password");
        await File.WriteAllTextAsync(passwordFile, "s3cret-alice\n");

        var (added, addOutput, addError) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "add", "alice", "--password-file", passwordFile, "--data-dir", dataDir);
        Assert.True(added == 0, addError);
        Assert.Contains("added user alice", addOutput, StringComparison.Ordinal);
        var (_, replaceOutput, _) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "add", "alice", "--password-file", passwordFile, "--data-dir", dataDir);
        Assert.Contains("replaced user alice", replaceOutput, StringComparison.Ordinal);
        var stored = await File.ReadAllTextAsync(Path.Combine(dataDir, "security", "users.json"));
        Assert.DoesNotContain("s3cret-alice", stored, StringComparison.Ordinal);

        var (listed, names, _) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "list", "--data-dir", dataDir);
        Assert.Equal(0, listed);
        Assert.Equal(["alice"], names.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

        await using (var broker = await EmbeddedBroker.StartAsync(new BrokerOptions { Port = 0, DataDirectory = dataDir, SecurityProtocol = "SASL_PLAINTEXT", SuperUsers = "alice" }))
        {
            Assert.Null(Metadata(broker.BootstrapServers, "s3cret-alice"));
            Assert.NotNull(Metadata(broker.BootstrapServers, "wrong"));
        }

        var (removed, _, _) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "remove", "alice", "--data-dir", dataDir);
        Assert.Equal(0, removed);
        var (_, empty, _) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "list", "--data-dir", dataDir);
        Assert.Equal(string.Empty, empty.Trim());
        var (again, _, againError) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "remove", "alice", "--data-dir", dataDir);
        Assert.Equal(1, again);
        Assert.Contains("no user alice", againError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_name_Kafka_cannot_carry_is_refused_with_the_reason()
    {
        var passwordFile = Path.Combine(dataDir, "p");
        await File.WriteAllTextAsync(passwordFile, "pw");
        var (exit, _, error) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "add", "a,b", "--password-file", passwordFile, "--data-dir", dataDir);
        Assert.Equal(2, exit);
        Assert.Contains("contains ','", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_or_empty_password_file_is_refused_with_the_reason_and_no_user_is_written()
    {
        var missing = Path.Combine(dataDir, "absent");
        var (exit, _, error) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "add", "bob", "--password-file", missing, "--data-dir", dataDir);
        Assert.Equal(2, exit);
        Assert.Contains($"--password-file {missing} does not exist", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);

        var empty = Path.Combine(dataDir, "empty");
        await File.WriteAllTextAsync(empty, "\n");
        (exit, _, error) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "add", "bob", "--password-file", empty, "--data-dir", dataDir);
        Assert.Equal(2, exit);
        Assert.Contains("has no password on its first line", error, StringComparison.Ordinal);
        var (_, names, _) = await CliRunner.RunAsync(CancellationToken.None, "broker", "users", "list", "--data-dir", dataDir);
        Assert.Equal(string.Empty, names.Trim());
    }

    /// <summary>null when alice gets metadata with <paramref name="password"/>, else the client's error.</summary>
    private static Error? Metadata(string bootstrap, string password)
    {
        Error? failure = null;
        using var admin = new AdminClientBuilder(new AdminClientConfig
        {
            BootstrapServers = bootstrap,
            SecurityProtocol = SecurityProtocol.SaslPlaintext,
            SaslMechanism = SaslMechanism.ScramSha512,
            SaslUsername = "alice",
            SaslPassword = password,
        }).SetErrorHandler((_, e) => failure ??= e).SetLogHandler((_, _) => { }).Build();
        try
        {
            admin.GetMetadata(TimeSpan.FromSeconds(10));
            return null;
        }
        catch (KafkaException ex)
        {
            return failure ?? ex.Error;
        }
    }
}
