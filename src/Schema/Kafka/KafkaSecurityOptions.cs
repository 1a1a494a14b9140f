using Confluent.Kafka;
using Streamiz.Kafka.Net;

namespace CryptoStreams.Schema.Kafka;

/// <summary>
/// How every Kafka client of every stage authenticates, from the one <c>Kafka</c> configuration section
/// (<c>Kafka:SecurityProtocol</c>, <c>Kafka:SaslMechanism</c>, <c>Kafka:SaslUsername</c>, <c>Kafka:SaslPassword</c>
/// or <c>Kafka:SaslPasswordFile</c>), so the extractors' producers, the topology's Streamiz clients, the loader's and
/// the archive's consumers and the CLI's admin clients cannot disagree. Each stage binds it into its own options
/// (a per-stage user is then <c>Extractors:Kafka:SaslUsername</c> etc.; see the README's Security section).
/// </summary>
public sealed class KafkaSecurityOptions
{
    /// <summary>PLAINTEXT (default), SASL_PLAINTEXT, SASL_SSL or SSL, in Kafka's spelling or Confluent's.</summary>
    public string SecurityProtocol { get; set; } = "PLAINTEXT";

    /// <summary>SCRAM-SHA-512 (default), SCRAM-SHA-256 or PLAIN.</summary>
    public string SaslMechanism { get; set; } = "SCRAM-SHA-512";

    public string? SaslUsername { get; set; }

    public string? SaslPassword { get; set; }

    /// <summary>A file whose first line is the password (a mounted secret), instead of <see cref="SaslPassword"/>.</summary>
    public string? SaslPasswordFile { get; set; }

    /// <summary>True when the clients must authenticate.</summary>
    public bool UsesSasl => Protocol() is Confluent.Kafka.SecurityProtocol.SaslPlaintext or Confluent.Kafka.SecurityProtocol.SaslSsl;

    /// <summary>What is wrong with the settings, one message per problem, for start-up validation.</summary>
    public IEnumerable<string> Problems(string section)
    {
        if (!TryParse<SecurityProtocol>(SecurityProtocol, out _))
        {
            yield return $"{section}:SecurityProtocol '{SecurityProtocol}' is not PLAINTEXT, SASL_PLAINTEXT, SASL_SSL or SSL.";
            yield break;
        }

        if (!UsesSasl)
        {
            yield break;
        }

        if (!TryParse<SaslMechanism>(SaslMechanism, out _))
        {
            yield return $"{section}:SaslMechanism '{SaslMechanism}' is not SCRAM-SHA-512, SCRAM-SHA-256 or PLAIN.";
        }

        if (string.IsNullOrWhiteSpace(SaslUsername))
        {
            yield return $"{section}:SaslUsername is required with {SecurityProtocol}.";
        }

        if (string.IsNullOrEmpty(SaslPassword) == string.IsNullOrEmpty(SaslPasswordFile))
        {
            yield return $"{section}: set exactly one of SaslPassword and SaslPasswordFile with {SecurityProtocol}.";
        }
        else if (!string.IsNullOrEmpty(SaslPasswordFile) && !File.Exists(SaslPasswordFile))
        {
            yield return $"{section}:SaslPasswordFile {SaslPasswordFile} does not exist.";
        }
    }

    /// <summary>Sets the security settings on a Confluent.Kafka producer, consumer or admin configuration.</summary>
    public T ApplyTo<T>(T config)
        where T : ClientConfig
    {
        ArgumentNullException.ThrowIfNull(config);
        config.SecurityProtocol = Protocol();
        if (UsesSasl)
        {
            config.SaslMechanism = Mechanism();
            config.SaslUsername = SaslUsername;
            config.SaslPassword = Password();
        }

        return config;
    }

    /// <summary>Sets the security settings on a Streamiz configuration (its consumers, producers and admin client).</summary>
    public void ApplyTo(StreamConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.SecurityProtocol = Protocol();
        if (UsesSasl)
        {
            config.SaslMechanism = Mechanism();
            config.SaslUsername = SaslUsername;
            config.SaslPassword = Password();
        }
    }

    private SecurityProtocol Protocol() =>
        TryParse<SecurityProtocol>(SecurityProtocol, out var protocol) ? protocol : throw new InvalidOperationException(Problems("Kafka").First());

    private SaslMechanism Mechanism() =>
        TryParse<SaslMechanism>(SaslMechanism, out var mechanism) ? mechanism : throw new InvalidOperationException(Problems("Kafka").First());

    private string? Password() =>
        string.IsNullOrEmpty(SaslPasswordFile) ? SaslPassword : File.ReadLines(SaslPasswordFile).FirstOrDefault()?.Trim();

    // Kafka's spelling (SASL_PLAINTEXT, SCRAM-SHA-512) and the enum's (SaslPlaintext, ScramSha512) both name a value.
    private static bool TryParse<TEnum>(string text, out TEnum value)
        where TEnum : struct, Enum =>
        Enum.TryParse(text.Replace("_", string.Empty, StringComparison.Ordinal).Replace("-", string.Empty, StringComparison.Ordinal), ignoreCase: true, out value)
        && Enum.IsDefined(value);
}
