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
        while (!stoppingToken.IsCancellationRequested)
        {
            status.Starting(source);
            var startedAt = time.GetTimestamp();
            try
            {
                await connector.RunAsync(_countingSink, stoppingToken).ConfigureAwait(false);
                if (stoppingToken.IsCancellationRequested)
                {
                    break;
                }

                // Returning without being asked to stop means the source switched itself off (e.g. no API key).
                if (status.Of(source)?.State != SourceState.Off)
                {
                    status.Off(source, "connector finished");
                }

                LogFinished(logger, source);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                crashesInARow = time.GetElapsedTime(startedAt) >= _options.HealthyRunLength ? 1 : crashesInARow + 1;
                status.Crashed(source, ex.GetType().Name + ": " + ex.Message, crashesInARow >= _options.UnreachableAfterCrashes);
                var wait = RestartBackoff(crashesInARow);
                LogCrashed(logger, ex, source, crashesInARow, wait);
                try
                {
                    var delay = Task.Delay(wait, time, stoppingToken);
                    RestartScheduled?.Invoke(source, wait);
                    await delay.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        status.Stopped(source);
    }

    private TimeSpan RestartBackoff(int crashesInARow)
    {
        var exponential = _options.RestartMinBackoff * Math.Pow(2, Math.Min(crashesInARow - 1, 20));
        var capped = exponential < _options.RestartMaxBackoff ? exponential : _options.RestartMaxBackoff;

        // Full jitter in the upper half: restarts of several connectors do not line up, and never wait under half.
        return capped * (0.5 + (Random.Shared.NextDouble() / 2));
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
