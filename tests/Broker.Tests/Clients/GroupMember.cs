using System.Collections.Concurrent;
using Confluent.Kafka;

namespace CryptoStreams.Broker.Tests.Clients;

/// <summary>
/// A consumer-group member polling on its own thread, as an application would; tests watch its assignment and what
/// it received, then stop it with a clean LeaveGroup (<see cref="StopAsync"/>).
/// </summary>
public sealed class GroupMember : IAsyncDisposable
{
    private readonly ConcurrentQueue<ObservedRecord> _received = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile TopicPartition[] _assignment = [];

    public GroupMember(ConsumerConfig config, string topic)
    {
        // Offsets are stored only for records handed to the test and committed in the background and on Close.
        var own = new ConsumerConfig(config.ToDictionary(kv => kv.Key, kv => kv.Value))
        {
            EnableAutoCommit = true,
            EnableAutoOffsetStore = false,
            AutoCommitIntervalMs = 200,
        };
        _loop = Task.Factory.StartNew(() => Poll(own, topic), TaskCreationOptions.LongRunning);
    }

    public IReadOnlyList<TopicPartition> Assignment => _assignment;

    public IReadOnlyCollection<ObservedRecord> Received => _received;

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _stop.Dispose();
    }

    private void Poll(ConsumerConfig config, string topic)
    {
        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(config).Build();
        consumer.Subscribe(topic);
        while (!_stop.IsCancellationRequested)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(50));
            if (result is { IsPartitionEOF: false })
            {
                _received.Enqueue(ObservedRecord.From(result));
                consumer.StoreOffset(result);
            }

            _assignment = [.. consumer.Assignment];
        }

        // Close commits what was consumed and leaves the group, so the survivor is assigned without a session timeout.
        consumer.Close();
    }
}
