using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Metrics;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Topology;

/// <summary>Runs the topology as a Streamiz <see cref="KafkaStream"/> for as long as the host runs; closes it cleanly on stop.</summary>
internal sealed partial class TopologyHostedService : BackgroundService
{
    private readonly TopologyOptions options;
    private readonly TopologyRuntime runtime;
    private readonly StreamizMetricsBridge metrics;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger<TopologyHostedService> logger;

    public TopologyHostedService(
        IOptions<TopologyOptions> options,
        TopologyRuntime runtime,
        StreamizMetricsBridge metrics,
        ILoggerFactory loggerFactory,
        ILogger<TopologyHostedService> logger)
    {
        this.options = options.Value;
        this.runtime = runtime;
        this.metrics = metrics;
        this.loggerFactory = loggerFactory;
        this.logger = logger;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The configuration first: it sets the Streamiz logger factory that StreamBuilder reads.
        var config = TopologyStreamConfig.For(options, loggerFactory, metrics.Report);
        var builder = new StreamBuilder();
        CryptoTopology.Build(builder, options, runtime);
        var topology = builder.Build();
        Log.Starting(logger, options.ApplicationId, options.BootstrapServers, options.Threads, options.ExactlyOnce ? "exactly-once" : "at-least-once",
            options.StateStore, options.WindowSize, options.Grace);

        // Streamiz registers Dispose() on the start token and keeps using it on its own threads until the stream is
        // disposed, so the token is this method's own. A stop cancels it (Streamiz closes the stream inside the host's
        // stop) and the finally below disposes it as well; whichever close comes second finds Streamiz's shutdown
        // token source disposed and throws ObjectDisposedException, which must not fail the host's stop.
        using var startCancellation = new CancellationTokenSource();
        using var stopRegistration = stoppingToken.Register(() => CancelStart(startCancellation));
        var stream = new KafkaStream(topology, config);
        try
        {
            stream.StateChanged += (from, to) =>
            {
                runtime.Status.SetState(to.ToString());
                Log.StateChanged(logger, from.ToString(), to.ToString());
            };
            await stream.StartAsync(startCancellation.Token).ConfigureAwait(false);
            await Task.Delay(Timeout.Infinite, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: fall through to the clean close below.
        }
        catch (Streamiz.Kafka.Net.Errors.IllegalStateException ex) when (stoppingToken.IsCancellationRequested)
        {
            // Streamiz 1.8.2 reports a stop requested while it is still starting (e.g. no broker yet) as an
            // illegal NOT_RUNNING -> ERROR transition; it is a normal stop.
            Log.StoppedWhileStarting(logger, ex.Message);
        }
        finally
        {
            Log.Stopping(logger, options.ApplicationId);

            // Dispose closes the stream threads, commits and flushes the stores, and leaves the consumer group.
            try
            {
                stream.Dispose();
            }
            catch (ObjectDisposedException ex)
            {
                // The stop's cancellation closed the stream first (see above).
                Log.SecondClose(logger, ex.Message);
            }

            Log.Stopped(logger, options.ApplicationId, runtime.Status.WindowsClosed, runtime.Status.LateRecords, runtime.Status.DeadLetters);
        }
    }

    private void CancelStart(CancellationTokenSource startCancellation)
    {
        try
        {
            startCancellation.Cancel();
        }
        catch (ObjectDisposedException ex)
        {
            Log.SecondClose(logger, ex.Message);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is ObjectDisposedException))
        {
            Log.SecondClose(logger, ex.InnerExceptions[0].Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Starting topology {ApplicationId} on {BootstrapServers}: {Threads} thread(s), {Guarantee}, {StateStore} stores, windows of {Window} with grace {Grace}")]
        public static partial void Starting(ILogger logger, string applicationId, string bootstrapServers, int threads, string guarantee, StateStoreKind stateStore, TimeSpan window, TimeSpan grace);

        [LoggerMessage(9, LogLevel.Debug, "The stream was already closed when the stop reached it: {Detail}")]
        public static partial void SecondClose(ILogger logger, string detail);

        [LoggerMessage(5, LogLevel.Debug, "Stop requested while the stream was starting: {Detail}")]
        public static partial void StoppedWhileStarting(ILogger logger, string detail);

        [LoggerMessage(2, LogLevel.Information, "Topology state {From} -> {To}")]
        public static partial void StateChanged(ILogger logger, string from, string to);

        [LoggerMessage(3, LogLevel.Information, "Stopping topology {ApplicationId}")]
        public static partial void Stopping(ILogger logger, string applicationId);

        [LoggerMessage(4, LogLevel.Information, "Topology {ApplicationId} stopped: {WindowsClosed} windows closed, {Late} late records, {DeadLetters} dead letters")]
        public static partial void Stopped(ILogger logger, string applicationId, long windowsClosed, long late, long deadLetters);
    }
}
