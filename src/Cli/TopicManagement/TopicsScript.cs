using System.Globalization;
using System.Text;
using CryptoStreams.Schema;

namespace CryptoStreams.Cli.TopicManagement;

/// <summary>
/// Writes <c>topics.sh</c>: the same topics as <c>cryptostreams topics create</c>, for the compose stack where
/// only Kafka's own <c>kafka-topics.sh</c> is available. Generated from <see cref="TopicCatalog"/> so the two
/// never disagree; a test compares the checked-in file with this output.
/// </summary>
internal static class TopicsScript
{
    public const string RegenerateCommand = "cryptostreams topics script > topics.sh";

    public static string Generate(IReadOnlyList<TopicDefinition> topics)
    {
        ArgumentNullException.ThrowIfNull(topics);
        var script = new StringBuilder();
        script.Append(
            """
            #!/usr/bin/env bash
            # Creates the CryptoStreams topics on an Apache Kafka cluster with kafka-topics.sh (the compose stack's
            # topics-init job runs it). GENERATED from src/Schema/Topics/TopicCatalog.cs; do not edit, regenerate with
            #   @REGENERATE@
            # Idempotent: existing topics are left as they are.
            #
            #   BOOTSTRAP_SERVERS   default kafka:9092 (the compose service)
            #   REPLICATION_FACTOR  default 1 (a single KRaft node)
            #   PARTITIONS          default @PARTITIONS@; every keyed topic gets the same count so they stay co-partitioned
            #   KAFKA_TOPICS        default /opt/kafka/bin/kafka-topics.sh (the apache/kafka image)
            set -euo pipefail

            bootstrap="${BOOTSTRAP_SERVERS:-kafka:9092}"
            replication="${REPLICATION_FACTOR:-1}"
            partitions="${PARTITIONS:-@PARTITIONS@}"
            kafka_topics="${KAFKA_TOPICS:-/opt/kafka/bin/kafka-topics.sh}"

            create() {
              local topic="$1" cleanup="$2" retention_ms="$3"
              "$kafka_topics" --bootstrap-server "$bootstrap" --create --if-not-exists --topic "$topic" \
                --partitions "$partitions" --replication-factor "$replication" \
                --config "cleanup.policy=$cleanup" --config "retention.ms=$retention_ms"
            }


            """.Replace("@REGENERATE@", RegenerateCommand, StringComparison.Ordinal)
               .Replace("@PARTITIONS@", TopicCatalog.DefaultPartitions.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal));
        foreach (var topic in topics)
        {
            script.Append(CultureInfo.InvariantCulture, $"create {topic.Name} {topic.Configs["cleanup.policy"]} {topic.Configs["retention.ms"]}  # {topic.Description}\n");
        }

        script.Append("\n\"$kafka_topics\" --bootstrap-server \"$bootstrap\" --list\n");
        return script.ToString();
    }
}
