using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Extractors.Simulation;

/// <summary>
/// Plays <see cref="SimulatedMarket"/> on a simulated clock running <see cref="SimulationOptions.Speed"/> times
/// faster than the wall clock (event times are simulated times), in place of every live source.
/// A run continues after the newest event time already on the raw topics when that is ahead of the wall clock (a
/// previous run at 60× leaves the topics hours ahead): starting at the wall clock again would put every record
/// behind the topology's stream time, and all of it would be dead-lettered as late.
/// </summary>
public sealed partial class SimulatedMarketConnector(
    IOptions<SimulationOptions> options,
    ISourceHealth health,
    TimeProvider time,
    ILogger<SimulatedMarketConnector> logger,
    TrackedSymbols? tracked = null,
    IPublishedEventTime? published = null) : ISourceConnector
{
    // Waits shorter than this are not worth a timer: records are published in small bursts instead.
    private static readonly TimeSpan SmallestWait = TimeSpan.FromMilliseconds(2);

    public const string SourceName = "simulation";

    public string Source => SourceName;

    public async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var settings = options.Value;
        var start = settings.Start ?? await StartAsync(cancellationToken).ConfigureAwait(false);
        var wallStart = time.GetTimestamp();
        var assets = string.Join(',', settings.EffectiveAssets().Select(a => a.Asset));
        LogStarting(logger, settings.Seed, start, settings.Speed, assets);
        foreach (var source in Sources.TickSources.Where(s => s != Sources.CoinCap).Append(Sources.Chainlink).Append(SourceName))
        {
            health.Connected(source);
        }

        try
        {
            foreach (var record in SimulatedMarket.Generate(settings, start, duration: null))
            {
                var due = (record.Time - start) / settings.Speed;
                var ahead = due - time.GetElapsedTime(wallStart);
                if (ahead > SmallestWait)
                {
                    await Task.Delay(ahead, time, cancellationToken).ConfigureAwait(false);
                }

                cancellationToken.ThrowIfCancellationRequested();
                if (!IsTracked(record))
                {
                    // The market goes on for every asset so a re-added one continues its own price path.
                    continue;
                }

                if (record.Gap is { } gap)
                {
                    health.Disconnected(gap.Source, gap.Detail);
                    health.Connected(gap.Source);
                }

                await record.PublishAsync(sink, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopping is not a failure.
        }
    }

    private async Task<DateTimeOffset> StartAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (published is null || await published.LatestAsync(cancellationToken).ConfigureAwait(false) is not { } latest || latest < now)
        {
            return now;
        }

        // A second past the newest record: after it, in the order the topology expects.
        var start = latest + TimeSpan.FromSeconds(1);
        LogContinuing(logger, latest, start - now);
        return start;
    }

    private bool IsTracked(SimulatedRecord record)
    {
        var symbol = record.Tick?.Symbol ?? record.OracleRound?.Symbol ?? record.Gap?.Symbol;
        return tracked is null || symbol is null || tracked.Assets.Contains(CanonicalSymbol.AssetOf(symbol));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The raw topics already hold simulated records up to {Latest:o}; the simulated clock continues from there ({Ahead} ahead of the wall clock)")]
    private static partial void LogContinuing(ILogger logger, DateTimeOffset latest, TimeSpan ahead);

    [LoggerMessage(Level = LogLevel.Information, Message = "Simulated market: seed {Seed}, start {Start:o}, {Speed}x real time, assets {Assets}")]
    private static partial void LogStarting(ILogger logger, int seed, DateTimeOffset start, double speed, string assets);
}
