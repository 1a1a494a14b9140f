using Microsoft.Extensions.Logging;

namespace CryptoStreams.Topology;

/// <summary>
/// The host's logger factory with a floor under it: Streamiz logs every task, partition and store at
/// Information, which drowns the pipeline's own messages, so it gets <see cref="TopologyOptions.StreamizLogLevel"/>.
/// </summary>
internal sealed class MinimumLevelLoggerFactory(ILoggerFactory inner, LogLevel minimum) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => new FloorLogger(inner.CreateLogger(categoryName), minimum);

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
