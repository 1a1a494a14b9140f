namespace CryptoStreams.Extractors.Core;

/// <summary>
/// Where a connector says how its connection is doing, for the status view (<c>ExtractorStatus</c>). Optional
/// for connectors: ticks, gaps and dead letters are counted by the host from what reaches the sink.
/// </summary>
public interface ISourceHealth
{
    /// <summary>The source is connected (or a poll succeeded) and data can flow.</summary>
    void Connected(string source);

    /// <summary>The connection dropped or a poll failed; the connector will retry by itself.</summary>
    void Disconnected(string source, string reason);

    /// <summary>Several attempts in a row failed: the venue looks unreachable from here.</summary>
    void Unreachable(string source, string reason);

    /// <summary>The source is switched off (e.g. no API key); it will not produce anything.</summary>
    void Off(string source, string reason);
}

/// <summary>Discards health reports, for connectors used outside a host.</summary>
public sealed class NoSourceHealth : ISourceHealth
{
    public static NoSourceHealth Instance { get; } = new();

    public void Connected(string source)
    {
    }

    public void Disconnected(string source, string reason)
    {
    }

    public void Unreachable(string source, string reason)
    {
    }

    public void Off(string source, string reason)
    {
    }
}
