using Microsoft.Extensions.Logging;
using Streamiz.Kafka.Net;
using Streamiz.Kafka.Net.Metrics;
using Streamiz.Kafka.Net.SerDes;

namespace CryptoStreams.Topology;

/// <summary>
/// The one mapping from <see cref="TopologyOptions"/> to Streamiz's <see cref="StreamConfig"/>, used by the host
/// and by the benchmark, so what is measured is what runs.
/// </summary>
public static class TopologyStreamConfig
{
    /// <summary>The Streamiz configuration the options describe.</summary>
    public static StreamConfig<StringSerDes, StringSerDes> For(TopologyOptions options, ILoggerFactory loggerFactory, Action<IEnumerable<Sensor>>? metricsReporter)
    {
        ArgumentNullException.ThrowIfNull(options);
        // Handed to the constructor (not only to Logger): Streamiz keeps it in a process-wide static that the builder reads.
        var streamizLogger = new MinimumLevelLoggerFactory(loggerFactory, options.StreamizLogLevel);
        var config = new StreamConfig<StringSerDes, StringSerDes>(new Dictionary<string, dynamic>(StringComparer.Ordinal), streamizLogger)
        {
            ApplicationId = options.ApplicationId,
            BootstrapServers = options.BootstrapServers,
            StateDir = options.StateDir,
            NumStreamThreads = options.Threads,
            Guarantee = options.ExactlyOnce ? ProcessingGuarantee.EXACTLY_ONCE : ProcessingGuarantee.AT_LEAST_ONCE,
            CommitIntervalMs = (long)options.CommitInterval.TotalMilliseconds,

            // A new application id starts from the beginning of the raw topics, not from whatever arrives next.
            AutoOffsetReset = Confluent.Kafka.AutoOffsetReset.Earliest,
            SessionTimeoutMs = (int)options.SessionTimeout.TotalMilliseconds,
            PollMs = Math.Max(1, (long)options.PollInterval.TotalMilliseconds),
            MaxPollRecords = options.MaxPollRecords,
            MaxTaskIdleMs = (long)options.MaxTaskIdle.TotalMilliseconds,
            LingerMs = options.ProducerLinger.TotalMilliseconds,
            MaxPartitionFetchBytes = options.MaxPartitionFetchBytes,
            Logger = streamizLogger,
            MetricsRecording = MetricsRecordingLevel.INFO,
            MetricsIntervalMs = 10_000,
        };
        options.Kafka.ApplyTo(config);
        if (metricsReporter is not null)
        {
            config.MetricsReporter = metricsReporter;
        }

        return config;
    }
}
