using Confluent.Kafka;
using CryptoStreams.Cli.Hosting;
using CryptoStreams.Cli.Watch;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>
/// The dashboard's live data: follows the transformed topics (<c>prices.1m</c>, <c>consensus.1m</c>, <c>deviation.1m</c>,
/// <c>signals.crossover</c>) from their ends, assign-only (no group, nothing committed), and publishes each record to
/// the open pages as it arrives. Reading the topics, not the loader's tables, puts a record on the page as soon as the
/// broker hands it out (one fetch, ≤ 100 ms wait) instead of after the loader's batch, its transaction and a query.
/// Provisional consensus candles are built here from the provisional per-source candles of the open window.
/// Provisional candles and source closes change with every tick (hundreds a second in a busy or simulated market): the
/// newest of each is sent once per <see cref="ConflationInterval"/>, so a page draws a few updates a second instead of
/// falling behind; final candles, deviations and signals go out as they arrive.
/// </summary>
internal sealed partial class DashboardFeed(
    PipelineSettings pipeline, DashboardSettings settings, DashboardEvents events, TimeProvider time, ILogger<DashboardFeed> logger, DashboardHistory? history = null)
    : BackgroundService
{
    /// <summary>How often the newest provisional values are sent: well within the second a record may take to reach the page.</summary>
    public static readonly TimeSpan ConflationInterval = TimeSpan.FromMilliseconds(250);

    private static readonly string[] FollowedTopics = [Topics.Prices1m, Topics.Consensus1m, Topics.Deviation1m, Topics.SignalsCrossover];

    // The newest provisional event per (kind, asset, source, window), until the next flush.
    private readonly Dictionary<(string Name, string Asset, string Source, long Time), object> conflated = [];
    private DateTimeOffset nextFlush;

    // Per asset: the open windows' latest candle per (source, symbol), and the live average lines.
    private readonly Dictionary<string, SortedDictionary<DateTimeOffset, Dictionary<(string Source, string Symbol), Candle>>> open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (AverageLines Lines, DateTimeOffset Last)> averages = new(StringComparer.Ordinal);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.Factory.StartNew(() => Follow(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Follow(CancellationToken stoppingToken)
    {
        var config = pipeline.ReaderConfig("cryptostreams-dashboard");
        config.FetchWaitMaxMs = 100;
        using var consumer = new ConsumerBuilder<Ignore, byte[]>(config).SetLogHandler((_, _) => { }).Build();
        try
        {
            consumer.Assign(FollowedTopics.SelectMany(t => TopicWatcher.Partitions(pipeline.BootstrapServers, t, pipeline.Kafka).Select(p => new TopicPartitionOffset(t, p, Offset.End))));
            while (!stoppingToken.IsCancellationRequested)
            {
                if (consumer.Consume(ConflationInterval) is { Message.Value: { } value } result)
                {
                    Handle(result.Topic, value, stoppingToken);
                }

                Flush();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
        catch (InvalidOperationException ex)
        {
            LogNotFollowing(ex.Message);
        }
        finally
        {
            consumer.Close();
        }
    }

    private void Handle(string topic, byte[] value, CancellationToken stoppingToken)
    {
        try
        {
            switch (topic)
            {
                case Topics.Prices1m:
                    OnCandle(RecordJson.Deserialize<Candle>(value));
                    break;
                case Topics.Consensus1m:
                    OnConsensus(RecordJson.Deserialize<Consensus>(value), stoppingToken);
                    break;
                case Topics.Deviation1m:
                    var deviation = RecordJson.Deserialize<Deviation>(value);
                    events.Publish("deviation", new { asset = deviation.Asset, point = DeviationPoints.From(deviation, settings.Options) });
                    break;
                case Topics.SignalsCrossover:
                    var s = RecordJson.Deserialize<CrossoverSignal>(value);
                    events.Publish("signal", new
                    {
                        asset = s.Asset,
                        point = new SignalPoint(s.WindowStart.ToUnixTimeSeconds(), s.WindowEnd, s.Direction, s.Average, s.ShortLength, s.LongLength, s.ShortAverage, s.LongAverage, s.Close),
                    });
                    break;
            }
        }
        catch (RecordFormatException)
        {
            // The page shows what it can read; the loader dead-letters unreadable records.
        }
    }

    private void OnCandle(Candle candle)
    {
        if (!open.TryGetValue(candle.Asset, out var windows))
        {
            open[candle.Asset] = windows = [];
        }

        if (!windows.TryGetValue(candle.WindowStart, out var window))
        {
            windows[candle.WindowStart] = window = [];
        }

        window[(candle.Source, candle.Symbol)] = candle;
        if (ConsensusCandles.PerSource(window.Values, settings.Policy).Any(c => c == candle))
        {
            var point = new SourceClose(candle.WindowStart.ToUnixTimeSeconds(), candle.Close, candle.Final);
            conflated[("source", candle.Asset, candle.Source, point.Time)] = new { asset = candle.Asset, source = candle.Source, point };
        }

        // Final candles come just before their window's consensus, which replaces the provisional candle then.
        if (!candle.Final && ConsensusCandles.From(window.Values, settings.Policy, null) is { } provisional)
        {
            conflated[("consensus", candle.Asset, string.Empty, provisional.Time)] = new { asset = candle.Asset, candle = provisional, average = (AveragePoint?)null };
        }
    }

    private void OnConsensus(Consensus consensus, CancellationToken stoppingToken)
    {
        var asset = consensus.Asset;
        IEnumerable<Candle> candles = [];
        if (open.TryGetValue(asset, out var windows))
        {
            if (windows.TryGetValue(consensus.WindowStart, out var window))
            {
                candles = [.. window.Values];
            }

            foreach (var closed in windows.Keys.Where(k => k <= consensus.WindowStart).ToList())
            {
                windows.Remove(closed);
            }
        }

        if (ConsensusCandles.From(candles, settings.Policy, consensus) is { } candle)
        {
            // The final candle replaces the provisional one: neither a queued provisional nor a queued source close may follow it.
            Flush(force: true);
            events.Publish("consensus", new { asset, candle, average = Average(consensus, stoppingToken) });
        }
    }

    private void Flush(bool force = false)
    {
        var now = time.GetUtcNow();
        if (conflated.Count == 0 || (!force && now < nextFlush))
        {
            return;
        }

        nextFlush = now + ConflationInterval;
        foreach (var ((name, _, _, _), payload) in conflated)
        {
            events.Publish(name, payload);
        }

        conflated.Clear();
    }

    private AveragePoint? Average(Consensus consensus, CancellationToken stoppingToken)
    {
        if (consensus.Median is not { } median)
        {
            return null;
        }

        if (!averages.TryGetValue(consensus.Asset, out var state))
        {
            state = (settings.NewAverageLines(), DateTimeOffset.MinValue);
            foreach (var earlier in WarmUp(state.Lines, consensus, stoppingToken))
            {
                state.Lines.Add(earlier.Symbol, earlier.Median!.Value, earlier.WindowStart, earlier.WindowEnd);
            }
        }

        if (consensus.WindowStart <= state.Last)
        {
            return null;
        }

        var point = state.Lines.Add(consensus.Symbol, median, consensus.WindowStart, consensus.WindowEnd);
        averages[consensus.Asset] = (state.Lines, consensus.WindowStart);
        return point;
    }

    private IReadOnlyList<Consensus> WarmUp(AverageLines lines, Consensus consensus, CancellationToken stoppingToken)
    {
        if (history is null)
        {
            return [];
        }

        try
        {
            return history.ClosesBeforeAsync(consensus.Symbol, consensus.WindowStart, lines.WarmUp, stoppingToken).GetAwaiter().GetResult();
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or HistoryUnavailableException)
        {
            LogNoWarmUp(consensus.Symbol, ex.Message);
            return [];
        }
    }

    [LoggerMessage(1, LogLevel.Warning, "The dashboard does not follow the transformed topics: {Reason}")]
    private partial void LogNotFollowing(string reason);

    [LoggerMessage(2, LogLevel.Warning, "The dashboard's live averages of {Symbol} start without history: {Reason}")]
    private partial void LogNoWarmUp(string symbol, string reason);
}
