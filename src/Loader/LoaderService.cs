using CryptoStreams.Loader.Consuming;
using CryptoStreams.Loader.Schema;
using CryptoStreams.Loader.Writing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Polly;

namespace CryptoStreams.Loader;

/// <summary>The loader's own connection pool, so it never shares (or disposes) another stage's data source.</summary>
public sealed class LoaderDataSource(NpgsqlDataSource dataSource) : IAsyncDisposable, IDisposable
{
    public NpgsqlDataSource DataSource { get; } = dataSource;

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}

/// <summary>
/// Hosts the loader: applies pending migrations (waiting for the database if it is not up yet), then runs the
/// consumer loop until the host stops.
/// </summary>
public sealed partial class LoaderService(
    IOptions<LoaderOptions> options,
    LoaderDataSource dataSource,
    LoaderStatus status,
    LoaderMetrics metrics,
    TimeProvider clock,
    ILoggerFactory loggerFactory) : BackgroundService
{
    private readonly ILogger logger = loggerFactory.CreateLogger<LoaderService>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Consume blocks; keep it off the host's start-up path.
        await Task.Yield();
        var settings = options.Value;
        try
        {
            status.Update(s => s with { State = LoaderState.Migrating, UpdatedAt = clock.GetUtcNow() });
            var mode = await WaitForSchemaAsync(settings, stoppingToken).ConfigureAwait(false);
            status.Update(s => s with { Mode = mode, UpdatedAt = clock.GetUtcNow() });
            LogMode(mode);

            using var deadLetters = new KafkaDeadLetterPublisher(settings.BootstrapServers, settings.Kafka);
            using var loop = new KafkaLoadLoop(
                settings, new BatchWriter(dataSource.DataSource, settings.GroupId, deadLetters), status, metrics, clock, loggerFactory.CreateLogger<KafkaLoadLoop>());
            await Task.Run(() => loop.RunAsync(stoppingToken), stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            status.Update(s => s with { State = LoaderState.Stopped, UpdatedAt = clock.GetUtcNow() });
        }
        catch (Exception ex)
        {
            status.Update(s => s with { State = LoaderState.Faulted, LastError = ex.Message, UpdatedAt = clock.GetUtcNow() });
            LogFaulted(ex);
            throw;
        }
    }

    private async Task<StorageMode> WaitForSchemaAsync(LoaderOptions settings, CancellationToken cancellationToken)
    {
        var waitForDatabase = LoaderRetry.Build(
            settings,
            clock,
            new PredicateBuilder().Handle<NpgsqlException>(e => e is not PostgresException),
            args =>
            {
                LogDatabaseUnavailable(args.RetryDelay.TotalMilliseconds, args.Outcome.Exception?.Message ?? "unknown error");
                return default;
            });

        if (settings.MigrateOnStart)
        {
            var runner = new MigrationRunner(dataSource.DataSource, loggerFactory.CreateLogger<MigrationRunner>());
            var outcome = await waitForDatabase.ExecuteAsync(async token => await runner.MigrateAsync(settings.Storage, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
            return outcome.Mode;
        }

        var current = await waitForDatabase.ExecuteAsync(async token => await SchemaInspector.ReadStatusAsync(dataSource.DataSource, token).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        if (current.Mode is not { } mode || current.Pending.Count > 0)
        {
            throw new InvalidOperationException(
                $"The database has {current.Pending.Count} pending migration(s) and Loader:MigrateOnStart is false; run `cryptostreams db migrate` first.");
        }

        return mode;
    }

    [LoggerMessage(EventId = 5200, Level = LogLevel.Information, Message = "Loader storage mode: {Mode}")]
    private partial void LogMode(StorageMode mode);

    [LoggerMessage(EventId = 5201, Level = LogLevel.Warning, Message = "Database unavailable, retrying in {DelayMs:F0} ms: {Error}")]
    private partial void LogDatabaseUnavailable(double delayMs, string error);

    [LoggerMessage(EventId = 5202, Level = LogLevel.Critical, Message = "Loader stopped after an unrecoverable error")]
    private partial void LogFaulted(Exception exception);
}
