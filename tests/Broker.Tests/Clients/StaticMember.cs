using Confluent.Kafka;

namespace CryptoStreams.Broker.Tests.Clients;

/// <summary>
/// A static group member (group.instance.id) polling on its own thread that counts every rebalance callback, so a
/// test can tell a rebalance from none. Stopping it closes the consumer, which for a static member sends no LeaveGroup.
/// </summary>
public sealed class StaticMember : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile TopicPartition[] _assignment = [];
    private int _revocations;
    private int _received;
    private volatile Error? _fatal;

    public StaticMember(string bootstrapServers, string group, string instanceId, string topic)
    {
        var config = ClientConfigs.Consumer(bootstrapServers, group);
        config.GroupInstanceId = instanceId;
        config.SessionTimeoutMs = 30_000;
        _loop = Task.Factory.StartNew(() => Poll(config, topic), TaskCreationOptions.LongRunning);
    }

    public IReadOnlyList<TopicPartition> Assignment => _assignment;

    /// <summary>Partitions revoked or lost, counted per callback.</summary>
    public int Revocations => Volatile.Read(ref _revocations);

    public int Received => Volatile.Read(ref _received);

    public Error? Fatal => _fatal;

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
            await _loop;
        }

        _stop.Dispose();
    }

    private void Poll(ConsumerConfig config, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config)
            .SetPartitionsRevokedHandler((_, _) => Interlocked.Increment(ref _revocations))
            .SetPartitionsLostHandler((_, _) => Interlocked.Increment(ref _revocations))
            .SetErrorHandler((_, e) =>
            {
                if (e.IsFatal)
                {
                    _fatal = e;
                }
            })
            .Build();
        consumer.Subscribe(topic);
        while (!_stop.IsCancellationRequested && _fatal is null)
        {
            try
            {
                var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
                if (result is { IsPartitionEOF: false })
                {
                    Interlocked.Increment(ref _received);
                }
            }
            catch (ConsumeException ex) when (ex.Error.IsFatal)
            {
                _fatal = ex.Error;
            }

            _assignment = [.. consumer.Assignment];
        }

        if (_fatal is null)
        {
            consumer.Close();
        }
    }
}
