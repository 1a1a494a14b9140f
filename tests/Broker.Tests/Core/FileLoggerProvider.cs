using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>Writes log lines to a file, to read what the broker and the clients did when a smoke test fails.</summary>
internal sealed class FileLoggerProvider(string path) : ILoggerProvider
{
    private readonly Lock _lock = new();

    public ILogger CreateLogger(string categoryName) => new FileLogger(this, categoryName);

    public void Dispose()
    {
    }

    private void Write(string line)
    {
        lock (_lock)
        {
            File.AppendAllText(path, line + Environment.NewLine);
        }
    }

    private sealed class FileLogger(FileLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Write($"{TimeProvider.System.GetUtcNow():HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
