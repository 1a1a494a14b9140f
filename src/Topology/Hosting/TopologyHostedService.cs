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
    private static readonly TimeSpan StartPatience = TimeSpan.FromSeconds(15);

    private readonly TopologyOptions options;
    private readonly TopologyRuntime runtime;
    private readonly BrokerInputLag inputLag;
    private readonly StreamizMetricsBridge metrics;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger<TopologyHostedService> logger;

    public TopologyHostedService(
        IOptions<TopologyOptions> options,
        TopologyRuntime runtime,
        BrokerInputLag inputLag,
        StreamizMetricsBridge metrics,
        ILoggerFactory loggerFactory,
        ILogger<TopologyHostedService> logger)
    {
        this.options = options.Value;
        this.runtime = runtime;
        this.inputLag = inputLag;
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

        // The stream gets no cancellation token: Streamiz would register its own Dispose() on it, and a stop would then
        // close the stream on the cancelling thread while the finally below closed it a second time. The second close
        // returns at once when the first is still running (the state is already PENDING_SHUTDOWN), so this method
        // ended and the host went on to stop the loader and the broker under stream threads still committing. Here
        // the finally's Dispose() is the only close, and it returns once the stream threads have stopped.
        var stream = new KafkaStream(topology, config,
            new StableTransactionalIdSupplier(config, StableTransactionalIdSupplier.InstanceId(options.StateDir, options.ApplicationId)));
        Task? starting = null;

        // Before the stream starts, so its first records already know which inputs have a backlog.
        using var stopLag = new CancellationTokenSource();
        var lag = Task.Run(() => inputLag.RunAsync(stopLag.Token), CancellationToken.None);
        try
        {
            stream.StateChanged += (from, to) =>
            {
                runtime.Status.SetState(to.ToString());
                Log.StateChanged(logger, from.ToString(), to.ToString());
            };
            starting = stream.StartAsync();
            await starting.WaitAsync(stoppingToken).ConfigureAwait(false);
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
            await LetStartFinishAsync(starting).ConfigureAwait(false);

            // Dispose closes the stream threads, commits and flushes the stores, and leaves the consumer group.
            try
            {
                stream.Dispose();
            }
            catch (ObjectDisposedException ex)
            {
                Log.CloseFailed(logger, ex.Message);
            }

            await stopLag.CancelAsync().ConfigureAwait(false);
            try
            {
                await lag.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopped with the stream.
            }

            Log.Stopped(logger, options.ApplicationId, runtime.Status.WindowsClosed, runtime.Status.LateRecords, runtime.Status.DeadLetters);
        }
    }

    /// <summary>
    /// A stop during start-up: Streamiz's start task creates the internal topics and then starts the stream threads,
    /// so a close that ran before it finished would leave threads started after it. Wait for it, within reason (it
    /// ends on its own when the broker answers or its admin request times out).
    /// </summary>
    private async Task LetStartFinishAsync(Task? starting)
    {
        if (starting is null || starting.IsCompleted)
        {
            return;
        }

        try
        {
            await starting.WaitAsync(StartPatience).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.StartStillRunning(logger, StartPatience);
        }
        catch (Exception ex) when (ex is Streamiz.Kafka.Net.Errors.IllegalStateException or ObjectDisposedException or AggregateException)
        {
            Log.StoppedWhileStarting(logger, ex.Message);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information,
            "Starting topology {ApplicationId} on {BootstrapServers}: {Threads} thread(s), {Guarantee}, {StateStore} stores, windows of {Window} with grace {Grace}")]
        public static partial void Starting(ILogger logger, string applicationId, string bootstrapServers, int threads, string guarantee, StateStoreKind stateStore, TimeSpan window, TimeSpan grace);

        [LoggerMessage(9, LogLevel.Warning, "Closing the stream failed: {Detail}")]
        public static partial void CloseFailed(ILogger logger, string detail);

        [LoggerMessage(10, LogLevel.Warning, "The stream was still starting {Patience} after the stop; closing it anyway")]
        public static partial void StartStillRunning(ILogger logger, TimeSpan patience);

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
