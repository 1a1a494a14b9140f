using CryptoStreams.Cli.TopicManagement;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// Creates the catalog's topics when the pipeline starts, after the broker and before any stage that reads or
/// writes them (hosted services start in registration order).
/// </summary>
internal sealed partial class TopicsInitializer(PipelineSettings settings, ILogger<TopicsInitializer> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await Task.Run(() => KafkaCredentialsCheck.Verify(settings.BootstrapServers, settings.Kafka, CliConfiguration.Section, TimeSpan.FromSeconds(20), cancellationToken), cancellationToken).ConfigureAwait(false);
        using var admin = new TopicAdmin(settings.BootstrapServers, settings.Kafka);
        var results = await admin.CreateAsync(TopicCatalog.All(settings.Partitions), settings.ReplicationFactor, cancellationToken).ConfigureAwait(false);
        var created = results.Count(r => r.Result == TopicCreation.Created);
        LogTopics(logger, created, results.Count, settings.BootstrapServers);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Topics: created {Created} of {Total} on {Bootstrap} (the rest existed)")]
    private static partial void LogTopics(ILogger logger, int created, int total, string bootstrap);
}
