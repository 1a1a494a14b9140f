using System.Collections.Concurrent;
using Confluent.Kafka;
using CryptoStreams.Cli.Watch;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Cli.Hosting;

/// <summary>What the status view shows of the pipeline's output: the last deviation per symbol and the last signals.</summary>
/// <param name="Deviations">Latest deviation per oracle symbol.</param>
/// <param name="Signals">Most recent crossover signals, newest first.</param>
internal sealed record LatestResultsSnapshot(IReadOnlyList<Deviation> Deviations, IReadOnlyList<CrossoverSignal> Signals);

/// <summary>
/// Follows <c>deviation.1m</c> and <c>signals.crossover</c> from their ends (no consumer group, nothing committed)
/// and keeps the latest of each for the live view and <c>/status</c>.
/// </summary>
internal sealed class LatestResults(PipelineSettings settings) : BackgroundService
{
    private const int SignalsKept = 6;
    private readonly ConcurrentDictionary<string, Deviation> deviations = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<CrossoverSignal> signals = new();

    public LatestResultsSnapshot Snapshot() =>
        new([.. deviations.Values.OrderBy(d => d.Symbol, StringComparer.Ordinal)], [.. signals.Reverse()]);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Follow(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Follow(CancellationToken stoppingToken)
    {
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(settings.ReaderConfig("cryptostreams-status-view")).SetLogHandler((_, _) => { }).Build();
        consumer.Assign(
            TopicWatcher.Partitions(settings.BootstrapServers, Topics.Deviation1m, settings.Kafka).Select(p => new TopicPartitionOffset(Topics.Deviation1m, p, Offset.End))
                .Concat(TopicWatcher.Partitions(settings.BootstrapServers, Topics.SignalsCrossover, settings.Kafka).Select(p => new TopicPartitionOffset(Topics.SignalsCrossover, p, Offset.End))));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var result = consumer.Consume(stoppingToken);
                if (result?.Message?.Value is not { } value)
                {
                    continue;
                }

                try
                {
                    if (result.Topic == Topics.Deviation1m)
                    {
                        var deviation = RecordJson.Deserialize<Deviation>(value);
                        deviations[deviation.Symbol] = deviation;
                    }
                    else
                    {
                        signals.Enqueue(RecordJson.Deserialize<CrossoverSignal>(value));
                        while (signals.Count > SignalsKept && signals.TryDequeue(out _))
                        {
                        }
                    }
                }
                catch (RecordFormatException)
                {
                    // The view only shows what it can read; the loader sends unreadable records to dlq.loader.
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        finally
        {
            consumer.Close();
        }
    }
}
