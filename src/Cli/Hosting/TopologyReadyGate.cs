using CryptoStreams.Topology;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// Holds back the stages registered after it (the extractors) until the topology in the same host has joined its
/// group and runs. Otherwise the first seconds of ticks pile up in every raw topic while Streamiz joins, and the
/// topology starts with a catch-up in which one topic can run ahead of another by more than the grace period.
/// </summary>
internal sealed partial class TopologyReadyGate : IHostedService
{
    private readonly Func<string> state;
    private readonly TimeProvider time;
    private readonly ILogger<TopologyReadyGate> logger;

    public TopologyReadyGate(TopologyStatus topology, TimeProvider time, ILogger<TopologyReadyGate> logger)
        : this(() => topology.State, time, logger)
    {
    }

    internal TopologyReadyGate(Func<string> state, TimeProvider time, ILogger<TopologyReadyGate> logger)
    {
        this.state = state;
        this.time = time;
        this.logger = logger;
    }

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan Probe = TimeSpan.FromMilliseconds(50);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + Patience;
        while (state() != "RUNNING")
        {
            if (time.GetUtcNow() >= deadline)
            {
                // Better late data in the DLQ than no pipeline: start the extractors anyway and say why.
                Log.NotRunning(logger, state(), Patience);
                return;
            }

            await Task.Delay(Probe, time, cancellationToken).ConfigureAwait(false);
        }

        Log.Running(logger);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Topology is running; starting the extractors")]
        public static partial void Running(ILogger logger);

        [LoggerMessage(2, LogLevel.Warning, "Topology still {State} after {Patience}; starting the extractors anyway (ticks may arrive late for it)")]
        public static partial void NotRunning(ILogger logger, string state, TimeSpan patience);
    }
}
