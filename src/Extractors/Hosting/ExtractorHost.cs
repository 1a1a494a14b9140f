using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Hosting;

/// <summary>
/// Runs every registered <see cref="ISourceConnector"/> (or only the simulated market) side by side, with
/// supervision: a connector that throws is logged and restarted after an exponential backoff with jitter while
/// the others keep going. Also runs the <see cref="IScheduledJob"/>s at their configured intervals. When
/// stopping, waits for the connectors and flushes the sink.
/// </summary>
public sealed partial class ExtractorHost(
    IEnumerable<ISourceConnector> connectors,
    IEnumerable<IScheduledJob> jobs,
    IRawSink sink,
    ExtractorStatus status,
    ExtractorMetrics metrics,
    IOptions<ExtractorsOptions> options,
    TimeProvider time,
    ILogger<ExtractorHost> logger) : BackgroundService
{
    private readonly ExtractorsOptions _options = options.Value;
    private readonly IRawSink _countingSink = new StatusRecordingSink(sink, status, metrics);

    /// <summary>Called with each restart wait once its timer exists, so tests on a fake clock know when to advance it.</summary>
    internal Action<string, TimeSpan>? RestartScheduled { get; set; }

    /// <summary>Called once a job's timer exists, so tests on a fake clock know when to advance it.</summary>
    internal Action<IScheduledJob, TimeSpan>? JobScheduled { get; set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var scheduled = jobs.Where(j => j.Kind != ScheduledJobKind.CandleBackfill || _options.CandleBackfillEnabled).ToList();
        var running = connectors.Select(c => SuperviseAsync(c, stoppingToken))
            .Concat(scheduled.Select(j => ScheduleAsync(j, stoppingToken)))
            .ToList();
        var sources = string.Join(", ", connectors.Select(c => c.Source));
        var jobCount = running.Count - connectors.Count();
        LogStarting(logger, sources, jobCount);
        await Task.WhenAll(running).ConfigureAwait(false);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // Sources fed by one connector (the simulated market) have no supervisor of their own to say so.
        status.AllStopped();
        if (sink is IFlushableRawSink flushable)
        {
            try
            {
                await flushable.FlushAsync(cancellationToken).ConfigureAwait(false);
                LogFlushed(logger);
            }
            catch (OperationCanceledException)
            {
                LogFlushIncomplete(logger);
            }
        }
    }

    private async Task SuperviseAsync(ISourceConnector connector, CancellationToken stoppingToken)
    {
        // Run each connector off the starting thread, so one that blocks before its first await holds up no one.
        await Task.Yield();
        var source = connector.Source;
        var crashesInARow = 0;
        string? crash = null;
        var restarts = new Backoff(_options.RestartMinBackoff, _options.RestartMaxBackoff, Jitter: true).Retry<bool>(
            time,
            retry: outcome => outcome.Exception is { } ex && !(ex is OperationCanceledException && stoppingToken.IsCancellationRequested),
            onRetry: args =>
            {
                var ex = args.Outcome.Exception!;
                crash = ex.GetType().Name + ": " + ex.Message;
                status.Crashed(source, crash, crashesInARow >= _options.UnreachableAfterCrashes);
                LogCrashed(logger, ex, source, crashesInARow, args.RetryDelay);
                return default;
            },
            failuresInARow: () => crashesInARow,
            waiting: wait => RestartScheduled?.Invoke(source, wait));
        try
        {
            var finished = await restarts.ExecuteAsync(
                async token =>
                {
                    status.Starting(source);
                    var startedAt = time.GetTimestamp();
                    try
                    {
                        await connector.RunAsync(_countingSink, token).ConfigureAwait(false);
                        return !token.IsCancellationRequested;
                    }
                    catch (Exception) when (!token.IsCancellationRequested)
                    {
                        // A connector that ran long enough before crashing starts its back-off over.
                        crashesInARow = time.GetElapsedTime(startedAt) >= _options.HealthyRunLength ? 1 : crashesInARow + 1;
                        throw;
                    }
                },
                stoppingToken).ConfigureAwait(false);

            // Returning without being asked to stop means the source switched itself off (e.g. no API key).
            if (finished)
            {
                if (status.Of(source)?.State != SourceState.Off)
                {
                    status.Off(source, "connector finished");
                }

                LogFinished(logger, source);
                return;
            }
        }
        catch (Exception) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping, also while waiting to restart: whatever the connector threw on the way out is not a crash.
        }

        status.Stopped(source);
    }

    private async Task ScheduleAsync(IScheduledJob job, CancellationToken stoppingToken)
    {
        var interval = job.Kind switch
        {
            ScheduledJobKind.InstrumentRefresh => _options.InstrumentRefreshInterval,
            ScheduledJobKind.CandleBackfill => _options.CandleBackfillInterval,
            _ => throw new ArgumentOutOfRangeException(nameof(job), job.Kind, "unknown job kind"),
        };
        // Off the starting thread: a job's first synchronous stretch must not hold up the others.
        await Task.Yield();
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            // Instrument lists are loaded at start too, so a delisted symbol is known within minutes, not half a day.
            if (job.Kind == ScheduledJobKind.InstrumentRefresh)
            {
                await RunJobAsync(job, interval, stoppingToken).ConfigureAwait(false);
            }

            JobScheduled?.Invoke(job, interval);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RunJobAsync(job, interval, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task RunJobAsync(IScheduledJob job, TimeSpan interval, CancellationToken stoppingToken)
    {
        try
        {
            await job.RunAsync(_countingSink, stoppingToken).ConfigureAwait(false);
            LogJobDone(logger, job.Source, job.Kind);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            LogJobFailed(logger, ex, job.Source, job.Kind, interval);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Extractors starting: {Sources} ({Jobs} scheduled jobs)")]
    private static partial void LogStarting(ILogger logger, string sources, int jobs);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} finished by itself and stays off")]
    private static partial void LogFinished(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Source} crashed ({Crashes} in a row); restarting in {Wait}")]
    private static partial void LogCrashed(ILogger logger, Exception exception, string source, int crashes, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} {Kind} done")]
    private static partial void LogJobDone(ILogger logger, string source, ScheduledJobKind kind);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} {Kind} failed; next try in {Interval}")]
    private static partial void LogJobFailed(ILogger logger, Exception exception, string source, ScheduledJobKind kind, TimeSpan interval);

    [LoggerMessage(Level = LogLevel.Information, Message = "Extractors stopped; everything accepted was flushed to Kafka")]
    private static partial void LogFlushed(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Extractors stopped before the Kafka flush completed")]
    private static partial void LogFlushIncomplete(ILogger logger);
}
