namespace CryptoStreams.Extractors.Simulation;

/// <summary>The latest event time already on the raw topics the simulated market writes to.</summary>
public interface IPublishedEventTime
{
    /// <summary>The newest record timestamp (event time) on any of the raw tick and oracle topics; null when they are empty or unreadable.</summary>
    Task<DateTimeOffset?> LatestAsync(CancellationToken cancellationToken);
}
