using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Broker.Security;
using CryptoStreams.TestSupport;
using AclOperation = Confluent.Kafka.Admin.AclOperation;
using AclPermissionType = Confluent.Kafka.Admin.AclPermissionType;
using ConfluentAclBinding = Confluent.Kafka.Admin.AclBinding;

namespace CryptoStreams.Broker.Tests.Security;

/// <summary>
/// Real Confluent.Kafka clients against the embedded broker with SASL on: authentication per mechanism, Kafka's
/// error for a wrong password or an unknown user, and ACLs that allow and deny exactly what they say; the ACLs are
/// still there after a restart. One broker for the class; each test uses its own topics, groups and user.
/// </summary>
public sealed class SaslAclTests : IAsyncLifetime
{
    private const string AdminPassword = "admin-secret";
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("broker-sasl-").FullName;
    private EmbeddedBroker? _broker;

    private EmbeddedBroker Broker => _broker ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _broker = await StartAsync();

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }

    private Task<EmbeddedBroker> StartAsync()
    {
        var options = new BrokerOptions
        {
            Port = 0,
            DataDirectory = _dataDirectory,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            FsyncPolicy = FsyncPolicy.Never,
            SecurityProtocol = "SASL_PLAINTEXT",
            SuperUsers = "User:admin",
        };
        options.Users["admin"] = new BrokerUser { Password = AdminPassword };
        options.Users["alice"] = new BrokerUser { Password = "alice-secret" };
        options.Users["bob"] = new BrokerUser { Password = "bob-secret" };
        return EmbeddedBroker.StartAsync(options);
    }

    private T Config<T>(T config, string user, string password, SaslMechanism mechanism = SaslMechanism.ScramSha512)
        where T : ClientConfig
    {
        config.BootstrapServers = Broker.BootstrapServers;
        config.SecurityProtocol = SecurityProtocol.SaslPlaintext;
        config.SaslMechanism = mechanism;
        config.SaslUsername = user;
        config.SaslPassword = password;
        return config;
    }

    [Theory]
    [InlineData(SaslMechanism.ScramSha256)]
    [InlineData(SaslMechanism.ScramSha512)]
    [InlineData(SaslMechanism.Plain)]
    public void The_right_password_connects_with_each_mechanism(SaslMechanism mechanism)
    {
        // librdkafka checks the server signature of SCRAM's last message and fails the connection on a mismatch,
        // so getting metadata also proves the broker proved it holds the credential.
        using var admin = new AdminClientBuilder(Config(new AdminClientConfig(), "admin", AdminPassword, mechanism)).Build();
        var metadata = admin.GetMetadata(TimeSpan.FromSeconds(20));
        Assert.Single(metadata.Brokers);
    }

    [Theory]
    [InlineData("alice", "wrong-password", SaslMechanism.ScramSha256)]
    [InlineData("mallory", "alice-secret", SaslMechanism.ScramSha512)]
    [InlineData("alice", "wrong-password", SaslMechanism.Plain)]
    public async Task A_wrong_password_or_an_unknown_user_fails_with_the_broker_s_authentication_error(string user, string password, SaslMechanism mechanism)
    {
        var errors = new ConcurrentQueue<Error>();
        using var admin = new AdminClientBuilder(Config(new AdminClientConfig(), user, password, mechanism))
            .SetErrorHandler((_, e) => errors.Enqueue(e))
            .Build();

        Assert.ThrowsAny<KafkaException>(() => admin.GetMetadata(TimeSpan.FromSeconds(3)));
        await Eventually.HoldsAsync(() => errors.Any(e => e.Code == ErrorCode.Local_Authentication), "an authentication error is reported");
        var error = errors.First(e => e.Code == ErrorCode.Local_Authentication);
        Assert.Contains("Authentication failed", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Acls_allow_and_deny_exactly_what_they_say_for_produce_fetch_groups_commits_transactions_and_admin()
    {
        using var admin = new AdminClientBuilder(Config(new AdminClientConfig(), "admin", AdminPassword)).Build();
        await admin.CreateTopicsAsync([new TopicSpecification { Name = "alice.data", NumPartitions = 1 }, new TopicSpecification { Name = "alice.locked", NumPartitions = 1 },
            new TopicSpecification { Name = "other.data", NumPartitions = 1 }]);
        await admin.CreateAclsAsync(
        [
            Acl(ResourceType.Topic, "alice.", ResourcePatternType.Prefixed, "User:alice", AclOperation.Write, AclPermissionType.Allow),
            Acl(ResourceType.Topic, "alice.data", ResourcePatternType.Literal, "User:alice", AclOperation.Read, AclPermissionType.Allow),
            Acl(ResourceType.Group, "alice-group", ResourcePatternType.Literal, "User:alice", AclOperation.Read, AclPermissionType.Allow),
            Acl(ResourceType.Topic, "alice.locked", ResourcePatternType.Literal, "User:alice", AclOperation.Write, AclPermissionType.Deny),
        ]);

        using (var producer = new ProducerBuilder<string, string>(Config(new ProducerConfig { MessageTimeoutMs = 10_000 }, "alice", "alice-secret")).Build())
        {
            var delivered = await producer.ProduceAsync("alice.data", new Message<string, string> { Key = "k", Value = "allowed" });
            Assert.Equal(PersistenceStatus.Persisted, delivered.Status);

            var otherTopic = await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync("other.data", new Message<string, string> { Key = "k", Value = "v" }));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, otherTopic.Error.Code);
            var denied = await Assert.ThrowsAsync<ProduceException<string, string>>(() => producer.ProduceAsync("alice.locked", new Message<string, string> { Key = "k", Value = "v" }));
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, denied.Error.Code);
        }

        // Fetch, group join and offset commit with the allowed group.
        using (var consumer = new ConsumerBuilder<string, string>(Config(new ConsumerConfig { GroupId = "alice-group", AutoOffsetReset = AutoOffsetReset.Earliest, EnableAutoCommit = false }, "alice", "alice-secret")).Build())
        {
            consumer.Subscribe("alice.data");
            var record = consumer.Consume(TimeSpan.FromSeconds(30));
            Assert.Equal("allowed", record?.Message.Value);
            consumer.Commit(record);
            Assert.Equal(1, consumer.Committed(TimeSpan.FromSeconds(10)).Single().Offset.Value);
            consumer.Close();
        }

        // Fetch of a topic alice may write but not read.
        using (var consumer = new ConsumerBuilder<string, string>(Config(new ConsumerConfig { GroupId = "alice-group" }, "alice", "alice-secret")).Build())
        {
            consumer.Subscribe("other.data");
            Assert.Equal(ErrorCode.TopicAuthorizationFailed, ConsumeUntilError(consumer, new ConcurrentQueue<Error>()).Code);
        }

        // Transactions: no ACL on the transactional id, then one.
        using (var producer = new ProducerBuilder<string, string>(Config(new ProducerConfig { TransactionalId = "alice-tx" }, "alice", "alice-secret")).Build())
        {
            var failure = Assert.ThrowsAny<KafkaException>(() => producer.InitTransactions(TimeSpan.FromSeconds(20)));
            Assert.Equal(ErrorCode.TransactionalIdAuthorizationFailed, failure.Error.Code);
        }

        await admin.CreateAclsAsync([Acl(TransactionalIdResource, "alice-tx", ResourcePatternType.Literal, "User:alice", AclOperation.Write, AclPermissionType.Allow)]);
        using (var producer = new ProducerBuilder<string, string>(Config(new ProducerConfig { TransactionalId = "alice-tx" }, "alice", "alice-secret")).Build())
        {
            producer.InitTransactions(TimeSpan.FromSeconds(20));
            producer.BeginTransaction();
            producer.Produce("alice.data", new Message<string, string> { Key = "k", Value = "in a transaction" });
            producer.CommitTransaction(TimeSpan.FromSeconds(20));
        }

        // Admin calls: alice may not create topics or delete another group; bob, with no ACL at all, sees no topics.
        using var aliceAdmin = new AdminClientBuilder(Config(new AdminClientConfig(), "alice", "alice-secret")).Build();
        var create = await Assert.ThrowsAsync<CreateTopicsException>(() => aliceAdmin.CreateTopicsAsync([new TopicSpecification { Name = "alice.new", NumPartitions = 1 }]));
        Assert.Equal(ErrorCode.TopicAuthorizationFailed, create.Results.Single().Error.Code);
        var deleteGroup = await Assert.ThrowsAsync<DeleteGroupsException>(() => aliceAdmin.DeleteGroupsAsync(["bob-group"]));
        Assert.Equal(ErrorCode.GroupAuthorizationFailed, deleteGroup.Results.Single().Error.Code);
        using var bobAdmin = new AdminClientBuilder(Config(new AdminClientConfig(), "bob", "bob-secret")).Build();
        Assert.Empty(bobAdmin.GetMetadata(TimeSpan.FromSeconds(20)).Topics);
    }

    [Fact]
    public async Task Acls_are_described_as_an_empty_list_at_first_and_survive_a_restart()
    {
        using (var admin = new AdminClientBuilder(Config(new AdminClientConfig(), "admin", AdminPassword)).Build())
        {
            var before = await admin.DescribeAclsAsync(new AclBindingFilter
            {
                PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = "restart.topic", ResourcePatternType = ResourcePatternType.Literal },
                EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
            });
            Assert.Empty(before.AclBindings);
            await admin.CreateAclsAsync([Acl(ResourceType.Topic, "restart.topic", ResourcePatternType.Literal, "User:bob", AclOperation.Read, AclPermissionType.Allow)]);
        }

        await Broker.DisposeAsync();
        _broker = await StartAsync();

        using var restarted = new AdminClientBuilder(Config(new AdminClientConfig(), "admin", AdminPassword)).Build();
        var after = await restarted.DescribeAclsAsync(AnyAcl());
        var binding = Assert.Single(after.AclBindings, b => b.Pattern.Name == "restart.topic");
        Assert.Equal("User:bob", binding.Entry.Principal);
        Assert.Equal(AclOperation.Read, binding.Entry.Operation);

        var deleted = await restarted.DeleteAclsAsync([new AclBindingFilter
        {
            PatternFilter = new ResourcePatternFilter { Type = ResourceType.Topic, Name = "restart.topic", ResourcePatternType = ResourcePatternType.Literal },
            EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
        }]);
        Assert.Single(deleted.Single().AclBindings);
    }

    private static ConfluentAclBinding Acl(ResourceType type, string name, ResourcePatternType pattern, string principal, AclOperation operation, AclPermissionType permission) => new()
    {
        Pattern = new ResourcePattern { Type = type, Name = name, ResourcePatternType = pattern },
        Entry = new AccessControlEntry { Principal = principal, Host = "*", Operation = operation, PermissionType = permission },
    };

    // Confluent.Kafka's enum stops at Broker; librdkafka passes Kafka's TRANSACTIONAL_ID code through.
    private const ResourceType TransactionalIdResource = (ResourceType)5;

    /// <summary>Polls until the consumer fails: a group error comes to the error handler, a partition error from Consume.</summary>
    private static Error ConsumeUntilError(IConsumer<string, string> consumer, ConcurrentQueue<Error> reported)
    {
        for (var i = 0; i < 60; i++)
        {
            if (reported.TryPeek(out var error))
            {
                return error;
            }

            try
            {
                consumer.Consume(TimeSpan.FromSeconds(1));
            }
            catch (ConsumeException e)
            {
                return e.Error;
            }
        }

        throw new Xunit.Sdk.XunitException("no ConsumeException within 60 polls");
    }

    private static AclBindingFilter AnyAcl() => new()
    {
        PatternFilter = new ResourcePatternFilter { Type = ResourceType.Any, ResourcePatternType = ResourcePatternType.Any },
        EntryFilter = new AccessControlEntryFilter { Operation = AclOperation.Any, PermissionType = AclPermissionType.Any },
    };
}
