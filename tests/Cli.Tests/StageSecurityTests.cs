using System.Globalization;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker;
using BrokerUser = CryptoStreams.Broker.Security.BrokerUser;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Cli.Tests;

/// <summary>
/// A SASL/SCRAM embedded broker with an admin (super user, the CLI's own clients), an extractor user that may only
/// write and read the raw topics, and a loader user.
/// </summary>
public sealed class SaslBrokerFixture : IAsyncLifetime
{
    public const string AdminPassword = "admin-secret";
    public const string ExtractorPassword = "extractor-secret";
    public const string LoaderPassword = "loader-secret";

    private readonly string dataDir = Directory.CreateTempSubdirectory("cli-sasl-").FullName;

    public EmbeddedBroker Broker { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = await EmbeddedBroker.StartAsync(new BrokerOptions
        {
            Port = 0,
            DataDirectory = dataDir,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            SecurityProtocol = "SASL_PLAINTEXT",
            SuperUsers = "admin",
            Users = new(StringComparer.Ordinal)
            {
                ["admin"] = new BrokerUser { Password = AdminPassword },
                ["extractor"] = new BrokerUser { Password = ExtractorPassword },
                ["loader"] = new BrokerUser { Password = LoaderPassword },
            },
        });
        using var admin = new AdminClientBuilder(AdminConfig()).Build();
        await admin.CreateAclsAsync(
        [
            Allow(ResourceType.Topic, "raw.", "User:extractor", AclOperation.All),
            Allow(ResourceType.Group, "cryptostreams-", "User:extractor", AclOperation.Read),
            Allow(ResourceType.Broker, "kafka-cluster", "User:extractor", AclOperation.IdempotentWrite),
        ]);
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        Directory.Delete(dataDir, recursive: true);
    }

    public AdminClientConfig AdminConfig() => new()
    {
        BootstrapServers = Broker.BootstrapServers,
        SecurityProtocol = SecurityProtocol.SaslPlaintext,
        SaslMechanism = SaslMechanism.ScramSha512,
        SaslUsername = "admin",
        SaslPassword = AdminPassword,
    };

    /// <summary>The shared <c>Kafka:*</c> settings as the admin; a stage's own user goes in <c>&lt;Stage&gt;:Kafka:*</c>.</summary>
    public Dictionary<string, string?> SharedSettings() => new(StringComparer.Ordinal)
    {
        ["Kafka:BootstrapServers"] = Broker.BootstrapServers,
        ["Kafka:SecurityProtocol"] = "SASL_PLAINTEXT",
        ["Kafka:SaslMechanism"] = "SCRAM-SHA-512",
        ["Kafka:SaslUsername"] = "admin",
        ["Kafka:SaslPassword"] = AdminPassword,
    };

    private static AclBinding Allow(ResourceType type, string prefix, string principal, AclOperation operation) => new()
    {
        Pattern = new ResourcePattern { Type = type, Name = prefix, ResourcePatternType = type == ResourceType.Broker ? ResourcePatternType.Literal : ResourcePatternType.Prefixed },
        Entry = new AccessControlEntry { Principal = principal, Host = "*", Operation = operation, PermissionType = AclPermissionType.Allow },
    };
}

/// <summary>Stages authenticate as their own users against a SASL broker; a refused login stops them at start, named.</summary>
public sealed class StageSecurityTests(SaslBrokerFixture fixture) : IClassFixture<SaslBrokerFixture>
{
    [Fact]
    public async Task Extractors_logged_in_as_their_own_user_publish_ticks_the_admin_then_reads()
    {
        var settings = fixture.SharedSettings();
        settings["Extractors:Kafka:SaslUsername"] = "extractor";
        settings["Extractors:Kafka:SaslPassword"] = SaslBrokerFixture.ExtractorPassword;
        settings["Extractors:Simulate:Enabled"] = "true";
        settings["Extractors:Simulate:Seed"] = "7";
        settings["Extractors:Simulate:Speed"] = "60";
        settings["Extractors:Simulate:Start"] = new DateTimeOffset(2026, 11, 25, 12, 0, 0, TimeSpan.Zero).ToString("O", CultureInfo.InvariantCulture);
        using var host = Build(settings, PipelineStages.Extractors);
        await host.StartAsync();
        try
        {
            var config = new ConsumerConfig(fixture.AdminConfig())
            {
                GroupId = "stage-security-reader",
                AutoOffsetReset = AutoOffsetReset.Earliest,
                EnableAutoCommit = false,
            };
            using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).Build();
            consumer.Subscribe(Topics.RawTicks);
            ConsumeResult<Ignore, byte[]>? tick = null;
            await Eventually.HoldsAsync(() => (tick = consumer.Consume(TimeSpan.FromMilliseconds(200))) is not null, "a tick the extractor user produced on a raw topic", TimeSpan.FromSeconds(60));
            Assert.StartsWith("raw.", tick!.Topic, StringComparison.Ordinal);
            consumer.Close();
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [Fact]
    public async Task A_stage_given_a_wrong_password_stops_at_start_naming_its_setting_and_not_the_secret()
    {
        var settings = fixture.SharedSettings();
        settings["Loader:Kafka:SaslUsername"] = "loader";
        settings["Loader:Kafka:SaslPassword"] = "not-the-loader-secret";
        using var host = Build(settings, PipelineStages.Loader);

        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync());

        Assert.Contains("'loader'", refused.Message, StringComparison.Ordinal);
        Assert.Contains("Loader:Kafka:SaslPassword", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-loader-secret", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_with_a_wrong_shared_password_exits_with_one_line_naming_the_setting()
    {
        var configFile = Path.Combine(Path.GetTempPath(), $"stage-security-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(configFile, """
            { "Kafka": { "SecurityProtocol": "SASL_PLAINTEXT", "SaslUsername": "admin", "SaslPassword": "wrong-admin-secret" } }
            """);
        try
        {
            var (exit, _, error) = await CliRunner.RunAsync(CancellationToken.None, "up", "--bootstrap", fixture.Broker.BootstrapServers, "--config", configFile, "--plain", "--no-api");

            Assert.Equal(1, exit);
            Assert.Contains("Cli:Kafka:SaslPassword", error, StringComparison.Ordinal);
            Assert.DoesNotContain("wrong-admin-secret", error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(configFile);
        }
    }

    private static IHost Build(Dictionary<string, string?> settings, PipelineStages stages)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddLogging();
        var pipeline = new PipelineSettings(stages, settings["Kafka:BootstrapServers"]!, Partitions: 1) { Kafka = CliConfiguration.KafkaSecurity(builder.Configuration) };
        builder.Services.AddPipeline(builder.Configuration, pipeline);
        return builder.Build();
    }
}
