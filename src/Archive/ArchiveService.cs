using CryptoStreams.Archive.Consuming;
using CryptoStreams.Archive.Destinations;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Archive;

/// <summary>Hosts the archive's consumer loop until the host stops.</summary>
public sealed partial class ArchiveService(
    IOptions<ArchiveOptions> options,
    IArchiveDestination destination,
    ArchiveStatus status,
    ArchiveMetrics metrics,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger logger = loggerFactory.CreateLogger<ArchiveService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Consume blocks; keep it off the host's start-up path.
        await Task.Yield();
        try
        {
            using var deadLetters = new ArchiveDeadLetters(options.Value, clock);
            using var loop = new ArchiveLoop(options.Value, destination, deadLetters, status, metrics, clock, loggerFactory.CreateLogger<ArchiveLoop>());
            await Task.Run(() => loop.RunAsync(stoppingToken), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            status.Update(s => s with { State = ArchiveState.Stopped, UpdatedAt = clock.GetUtcNow() });
        }
        catch (Exception ex)
        {
            status.Update(s => s with { State = ArchiveState.Faulted, LastError = ex.Message, UpdatedAt = clock.GetUtcNow() });
            LogFaulted(ex);
            throw;
        }
    }

    [LoggerMessage(EventId = 6200, Level = LogLevel.Critical, Message = "Archive stopped after an unrecoverable error")]
    private partial void LogFaulted(Exception exception);
}
