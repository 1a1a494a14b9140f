namespace CryptoStreams.Extractors.Core;

/// <summary>
/// One source (an exchange WebSocket, a price API poller, an oracle reader). <see cref="RunAsync"/> runs until
/// cancelled, reconnecting and backfilling by itself; it returns only on cancellation or when the source is
/// switched off, and never throws for bad input (that goes to the dead-letter topic).
/// </summary>
public interface ISourceConnector
{
    /// <summary>Source name, one of <see cref="Schema.Sources"/>.</summary>
    string Source { get; }

    Task RunAsync(IRawSink sink, CancellationToken cancellationToken);
}
