using CryptoStreams.Schema.Kafka;
using Microsoft.Extensions.Hosting;

namespace CryptoStreams.Cli.Hosting;

/// <summary>
/// Registered just before a stage (hosted services start in order), so a stage whose Kafka credentials the broker
/// refuses stops the host at start with <see cref="KafkaCredentialsCheck"/>'s message instead of retrying for ever.
/// </summary>
internal sealed class KafkaCredentialsGate(string stageSection, Func<(string BootstrapServers, KafkaSecurityOptions Security)> settings) : IHostedService
{
    /// <summary>Long enough for a loaded machine's first SCRAM exchange; a reachable broker answers a wrong password at once.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var (bootstrap, security) = settings();
        return Task.Run(() => KafkaCredentialsCheck.Verify(bootstrap, security, stageSection, Patience, cancellationToken), cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
