namespace CryptoStreams.Extractors.Core;

/// <summary>The periodic jobs the extractor host runs beside the live connectors; each has its own interval in configuration.</summary>
public enum ScheduledJobKind
{
    /// <summary>Reload a venue's instrument list (default: twice a day).</summary>
    InstrumentRefresh,

    /// <summary>Fetch recent candles from a venue's REST API to cover what the stream may have missed (default: hourly).</summary>
    CandleBackfill,
}

/// <summary>
/// A periodic job registered by a connector area (e.g. an exchange's instrument refresh). The host runs every
/// registered job at the interval configured for its <see cref="Kind"/>; a failing run is logged and retried at
/// the next interval.
/// </summary>
public interface IScheduledJob
{
    /// <summary>Source the job belongs to.</summary>
    string Source { get; }

    ScheduledJobKind Kind { get; }

    Task RunAsync(IRawSink sink, CancellationToken cancellationToken);
}
