using Confluent.Kafka;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Cli.Watch;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>The transformed topics could not be read back; the reason is the message.</summary>
internal sealed class HistoryUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The dashboard's history without a database: the transformed topics (<c>prices.1m</c>, <c>consensus.1m</c>,
/// <c>deviation.1m</c>, <c>signals.crossover</c>) read back from <see cref="LookBack"/> plus the averages' warm-up before
/// now (offsets for that time, assign-only, no group, nothing committed), then followed, keeping the newest record per
/// window as the loader's upserts do, so a query answers the rows the tables would hold. Started at once when there is
/// no database; otherwise on the first query that asks for it (<c>?history=topics</c>, or the database not answering).
/// A query waits until the read-back has reached the ends the topics had when it started.
/// </summary>
internal sealed partial class TopicHistoryStore(PipelineSettings pipeline, DashboardSettings settings, TimeProvider time, ILogger<TopicHistoryStore> logger, bool startAtOnce)
    : BackgroundService, IHistoryStore
{
    /// <summary>The longest range the page asks for.</summary>
    public static readonly TimeSpan LookBack = TimeSpan.FromHours(24);

    private static readonly string[] ReadTopics = [Topics.Prices1m, Topics.Consensus1m, Topics.Deviation1m, Topics.SignalsCrossover];

    private readonly TaskCompletionSource demanded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock gate = new();

    // Per asset and window the newest candle of each (source, symbol); per symbol and window the newest consensus, deviation, signals.
    private readonly Dictionary<string, SortedDictionary<DateTimeOffset, Dictionary<(string Source, string Symbol), Candle>>> candles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<DateTimeOffset, Consensus>> consensus = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<DateTimeOffset, Deviation>> deviations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<(DateTimeOffset Start, string Average), CrossoverSignal>> signals = new(StringComparer.Ordinal);

    public string Name => "topics";

    /// <summary>How far back records are kept: the longest range and the windows its averages warm up on.</summary>
    private TimeSpan Kept => LookBack + (settings.Window * settings.NewAverageLines().WarmUp);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!startAtOnce)
        {
            await demanded.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
        }

        await Task.Factory.StartNew(() => Follow(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
    }

    public async Task<DateTimeOffset?> NewestAsync(string symbol, bool deviation, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            return deviation
                ? deviations.TryGetValue(symbol, out var d) && d.Count > 0 ? d.Keys.Last() : null
                : consensus.TryGetValue(symbol, out var c) && c.Count > 0 ? c.Keys.Last() : null;
        }
    }

    public async Task<IReadOnlyList<Candle>> SourceCandlesAsync(string asset, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            return candles.TryGetValue(asset, out var windows)
                ? [.. Between(windows, from, to).SelectMany(w => w.Value.Values.OrderBy(c => c.Source, StringComparer.Ordinal).ThenBy(c => c.Symbol, StringComparer.Ordinal))]
                : [];
        }
    }

    public async Task<IReadOnlyList<Consensus>> ConsensusAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            return consensus.TryGetValue(symbol, out var windows) ? [.. Between(windows, from, to).Select(w => w.Value)] : [];
        }
    }

    public async Task<IReadOnlyList<Consensus>> ClosesBeforeAsync(string symbol, DateTimeOffset before, int count, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            return consensus.TryGetValue(symbol, out var windows)
                ? [.. windows.Values.Where(c => c.WindowStart < before && c.Median is not null).TakeLast(count)]
                : [];
        }
    }

    public async Task<IReadOnlyList<DeviationPoint>> DeviationsAsync(string symbol, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            if (!deviations.TryGetValue(symbol, out var windows) || windows.Count == 0)
            {
                return [];
            }

            var chosen = from is { } start && to is { } end ? Between(windows, start, end).Select(w => w.Value) : [windows.Values.Last()];
            return [.. chosen.Select(d => DeviationPoints.From(d, settings.Options))];
        }
    }

    public async Task<IReadOnlyList<SignalPoint>> SignalsAsync(string symbol, DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await ReadyAsync(cancellationToken).ConfigureAwait(false);
        lock (gate)
        {
            return signals.TryGetValue(symbol, out var crossings)
                ? [.. crossings.Values.Where(s => s.WindowStart >= from && s.WindowStart <= to).Select(s => new SignalPoint(
                    s.WindowStart.ToUnixTimeSeconds(), s.WindowEnd, s.Direction, s.Average, s.ShortLength, s.LongLength, s.ShortAverage, s.LongAverage, s.Close))]
                : [];
        }
    }

    private async Task ReadyAsync(CancellationToken cancellationToken)
    {
        demanded.TrySetResult();
        await caughtUp.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private static IEnumerable<KeyValuePair<DateTimeOffset, T>> Between<T>(SortedDictionary<DateTimeOffset, T> windows, DateTimeOffset from, DateTimeOffset to) =>
        windows.SkipWhile(w => w.Key < from).TakeWhile(w => w.Key <= to);

    private void Follow(CancellationToken stoppingToken)
    {
        var config = pipeline.ReaderConfig("cryptostreams-dashboard-history");
        config.EnablePartitionEof = true;
        config.FetchWaitMaxMs = 100;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        try
        {
            // Event time is the records' timestamp; a simulated market that runs ahead of the wall clock is read from the same point.
            var since = time.GetUtcNow() - Kept;
            var partitions = ReadTopics.SelectMany(t => TopicWatcher.Partitions(pipeline.BootstrapServers, t, pipeline.Kafka).Select(p => new TopicPartition(t, p))).ToList();
            var starts = consumer.OffsetsForTimes(partitions.Select(p => new TopicPartitionTimestamp(p, new Timestamp(since.UtcDateTime))), TimeSpan.FromSeconds(15));
            consumer.Assign(starts.Select(s => new TopicPartitionOffset(s.TopicPartition, s.Offset == Offset.Unset ? Offset.End : s.Offset)));
            var behind = new HashSet<TopicPartition>(partitions);
            LogReadingBack(partitions.Count, since);
            while (!stoppingToken.IsCancellationRequested)
            {
                var result = consumer.Consume(stoppingToken);
                if (result is null)
                {
                    continue;
                }

                if (result.IsPartitionEOF)
                {
                    if (behind.Remove(result.TopicPartition) && behind.Count == 0 && caughtUp.TrySetResult())
                    {
                        LogCaughtUp();
                    }
                }
                else if (result.Message?.Value is { } value)
                {
                    Handle(result.Topic, value);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (Exception ex) when (ex is InvalidOperationException or KafkaException)
        {
            LogNotReading(ex.Message);
            caughtUp.TrySetException(new HistoryUnavailableException("the transformed topics could not be read back: " + ex.Message, ex));
        }
        finally
        {
            caughtUp.TrySetCanceled(stoppingToken);
            consumer.Close();
        }
    }

    private void Handle(string topic, byte[] value)
    {
        try
        {
            lock (gate)
            {
                switch (topic)
                {
                    case Topics.Prices1m:
                        var candle = RecordJson.Deserialize<Candle>(value);
                        var windows = For(candles, candle.Asset);
                        if (!windows.TryGetValue(candle.WindowStart, out var window))
                        {
                            windows[candle.WindowStart] = window = [];
                        }

                        window[(candle.Source, candle.Symbol)] = candle;
                        break;
                    case Topics.Consensus1m:
                        var c = RecordJson.Deserialize<Consensus>(value);
                        var byWindow = For(consensus, c.Symbol);
                        var newWindow = !byWindow.ContainsKey(c.WindowStart);
                        byWindow[c.WindowStart] = c;
                        if (newWindow)
                        {
                            Trim(c.Asset, c.Symbol, c.WindowStart - Kept);
                        }

                        break;
                    case Topics.Deviation1m:
                        var d = RecordJson.Deserialize<Deviation>(value);
                        For(deviations, d.Symbol)[d.WindowStart] = d;
                        break;
                    case Topics.SignalsCrossover:
                        var s = RecordJson.Deserialize<CrossoverSignal>(value);
                        For(signals, s.Symbol)[(s.WindowStart, s.Average.ToString().ToLowerInvariant())] = s;
                        break;
                }
            }
        }
        catch (RecordFormatException)
        {
            // The history shows what it can read; the loader dead-letters unreadable records.
        }
    }

    /// <summary>Once per new consensus window: forgets what is older than the longest range and its warm-up.</summary>
    private void Trim(string asset, string symbol, DateTimeOffset before)
    {
        static void Drop<TKey, T>(SortedDictionary<TKey, T>? windows, Func<TKey, bool> old)
            where TKey : notnull
        {
            while (windows is { Count: > 0 } && old(windows.Keys.First()))
            {
                windows.Remove(windows.Keys.First());
            }
        }

        Drop(candles.GetValueOrDefault(asset), k => k < before);
        Drop(consensus.GetValueOrDefault(symbol), k => k < before);
        Drop(deviations.GetValueOrDefault(symbol), k => k < before);
        Drop(signals.GetValueOrDefault(symbol), k => k.Start < before);
    }

    private static SortedDictionary<TKey, T> For<TKey, T>(Dictionary<string, SortedDictionary<TKey, T>> all, string key)
        where TKey : notnull
    {
        if (!all.TryGetValue(key, out var windows))
        {
            all[key] = windows = [];
        }

        return windows;
    }

    [LoggerMessage(1, LogLevel.Information, "The dashboard reads its history back from {Partitions} partitions of the transformed topics, from {Since:o}")]
    private partial void LogReadingBack(int partitions, DateTimeOffset since);

    [LoggerMessage(2, LogLevel.Information, "The dashboard's history from the topics has caught up")]
    private partial void LogCaughtUp();

    [LoggerMessage(3, LogLevel.Warning, "The dashboard cannot read its history back from the transformed topics: {Reason}")]
    private partial void LogNotReading(string reason);
}
