using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Cli.Hosting;

/// <summary>One log line kept for the live status view.</summary>
internal sealed record RecentLogEntry(DateTimeOffset Time, LogLevel Level, string Category, string Message);

/// <summary>
/// Keeps the last few log entries in memory so the live status view can show them below the tables; writing
/// them to the console would tear the live display.
/// </summary>
internal sealed class RecentLogs(TimeProvider time, int capacity = 8) : ILoggerProvider
{
    private readonly ConcurrentQueue<RecentLogEntry> entries = new();
    private readonly TimeProvider clock = time;

    public IReadOnlyList<RecentLogEntry> Entries => [.. entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private void Add(RecentLogEntry entry)
    {
        entries.Enqueue(entry);
        while (entries.Count > capacity && entries.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(RecentLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            var message = formatter(state, exception);
            if (exception is not null)
            {
                message += ": " + exception.Message;
            }

            owner.Add(new RecentLogEntry(owner.clock.GetUtcNow(), logLevel, category[(category.LastIndexOf('.') + 1)..], message));
        }
    }
}
