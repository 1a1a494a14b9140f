using System.Diagnostics;
using Confluent.Kafka;

namespace CryptoStreams.Schema.Kafka;

/// <summary>
/// Asks the broker for metadata with a stage's credentials before the stage starts. librdkafka retries a refused
/// login for ever (the stage would hang, logging), so a wrong user or password is turned here into one start-up error
/// that names the settings to fix. A broker that is not reachable yet is not an error here: the stage's own retries
/// handle that, as without security.
/// </summary>
public static class KafkaCredentialsCheck
{
    private static readonly TimeSpan Attempt = TimeSpan.FromMilliseconds(500);

    /// <exception cref="InvalidOperationException">The broker refused the credentials.</exception>
    public static void Verify(string bootstrapServers, KafkaSecurityOptions security, string stageSection, TimeSpan patience, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(security);
        if (!security.UsesSasl)
        {
            return;
        }

        Error? refused = null;
        using var admin = new AdminClientBuilder(security.ApplyTo(new AdminClientConfig { BootstrapServers = bootstrapServers, ClientId = "cryptostreams-credentials-check" }))
            .SetErrorHandler((_, e) => refused ??= IsAuthentication(e.Code) ? e : null)
            .SetLogHandler((_, _) => { })
            .Build();
        var started = Stopwatch.GetTimestamp();
        while (refused is null && Stopwatch.GetElapsedTime(started) < patience)
        {
            cancellationToken.ThrowIfCancellationRequested();
            try
            {
                admin.GetMetadata(Attempt);
                return;
            }
            catch (KafkaException ex) when (IsAuthentication(ex.Error.Code))
            {
                refused = ex.Error;
            }
            catch (KafkaException)
            {
                // Not answered within the attempt: look at what the error handler saw, then ask again.
            }
        }

        if (refused is not null)
        {
            throw new InvalidOperationException(
                $"the Kafka broker at {bootstrapServers} refused {security.SaslMechanism} login as '{security.SaslUsername}' ({refused.Reason}): "
                + $"check {stageSection}:Kafka:SaslUsername and {stageSection}:Kafka:SaslPassword (or SaslPasswordFile), or the shared Kafka:* ones they override.");
        }
    }

    private static bool IsAuthentication(ErrorCode code) =>
        code is ErrorCode.Local_Authentication or ErrorCode.SaslAuthenticationFailed or ErrorCode.IllegalSaslState or ErrorCode.UnsupportedSaslMechanism;
}
