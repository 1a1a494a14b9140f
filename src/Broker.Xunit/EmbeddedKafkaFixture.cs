using Xunit;

namespace CryptoStreams.Broker.Xunit;

/// <summary>A topic the fixture creates before the first test.</summary>
/// <param name="Name">Topic name (Kafka's rules: letters, digits, '.', '_', '-', at most 249 characters).</param>
/// <param name="Partitions">Partition count.</param>
public sealed record KafkaTopic(string Name, int Partitions = 1);

/// <summary>
/// An embedded Kafka broker for one test class (<c>IClassFixture&lt;EmbeddedKafkaFixture&gt;</c>) or one collection:
/// an ephemeral port on 127.0.0.1, a temporary data directory deleted on dispose, and the topics given by a derived
/// class. Group rebalances start at once (Kafka's 3 s initial delay would only slow tests) and nothing is fsynced
/// (the data directory is thrown away anyway); override <see cref="Configure"/> to change either.
/// </summary>
/// <example>
/// <code>
/// public sealed class OrdersKafka() : EmbeddedKafkaFixture(new KafkaTopic("orders", 3));
/// public sealed class OrderTests(OrdersKafka kafka) : IClassFixture&lt;OrdersKafka&gt; { ... kafka.BootstrapServers ... }
/// </code>
/// </example>
public class EmbeddedKafkaFixture : IAsyncLifetime
{
    private readonly IReadOnlyList<KafkaTopic> _topics;
    private EmbeddedBroker? _broker;

    /// <summary>A broker with no topics (clients may still create them with an admin client).</summary>
    public EmbeddedKafkaFixture()
        : this([])
    {
    }

    /// <summary>A broker that has <paramref name="topics"/> before the first test runs.</summary>
    public EmbeddedKafkaFixture(params KafkaTopic[] topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        _topics = topics;
    }

    /// <summary>The running broker.</summary>
    public EmbeddedBroker Broker => _broker ?? throw new InvalidOperationException("the embedded Kafka fixture has not been initialised by xunit yet");

    /// <summary>host:port for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers => Broker.BootstrapServers;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var options = new BrokerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            GroupInitialRebalanceDelay = TimeSpan.Zero,
            FsyncPolicy = FsyncPolicy.Never,
        };
        Configure(options);
        _broker = await EmbeddedBroker.StartAsync(options).ConfigureAwait(false);
        foreach (var topic in _topics)
        {
            _broker.CreateTopic(topic.Name, topic.Partitions);
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
            _broker = null;
        }
    }

    /// <summary>Adjusts the broker's options before it starts (security, auto-creation, retention…).</summary>
    protected virtual void Configure(BrokerOptions options)
    {
    }
}
