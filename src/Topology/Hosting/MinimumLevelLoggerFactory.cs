using Microsoft.Extensions.Logging;

namespace CryptoStreams.Topology;

/// <summary>
/// The host's logger factory with a floor under it: Streamiz logs every task, partition and store at
/// Information, which drowns the pipeline's own messages, so it gets <see cref="TopologyOptions.StreamizLogLevel"/>.
/// </summary>
internal sealed class MinimumLevelLoggerFactory(ILoggerFactory inner, LogLevel minimum) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName)
    {
        try
        {
            return new FloorLogger(inner.CreateLogger(categoryName), minimum);
        }
        catch (ObjectDisposedException)
        {
            // Streamiz keeps the last configured factory in a process-wide static and logs through it in the
            // StreamConfig constructor, before it takes the new one. After a host stops, that is this factory over
            // the stopped host's disposed one: without this, a restarted topology in the same process never starts.
            return Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance;
        }
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    // The host owns the inner factory and disposes it.
    public void Dispose()
    {
    }

    private sealed class FloorLogger(ILogger inner, LogLevel minimum) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum && inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                inner.Log(logLevel, eventId, state, exception, formatter);
            }
        }
    }
}
