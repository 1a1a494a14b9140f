using Confluent.Kafka;
using CryptoStreams.Schema.Kafka;
using Confluent.Kafka.Admin;
using CryptoStreams.Schema;

namespace CryptoStreams.Cli.TopicManagement;

/// <summary>What happened to one catalog topic on <c>topics create</c>.</summary>
internal enum TopicCreation
{
    Created,
    AlreadyExisted,
}

/// <summary>A topic as the broker reports it.</summary>
/// <param name="Name">Topic name.</param>
/// <param name="Partitions">Partition count on the broker.</param>
/// <param name="ReplicationFactor">Replicas of partition 0.</param>
/// <param name="Configs">The catalog's config keys as the broker reports them; empty when the broker does not answer DescribeConfigs.</param>
/// <param name="ConfigError">Why configs are missing, if they are.</param>
/// <param name="Expected">The catalog's definition, or null for a topic that is not ours.</param>
internal sealed record TopicDescription(
    string Name,
    int Partitions,
    int ReplicationFactor,
    IReadOnlyDictionary<string, string> Configs,
    string? ConfigError,
    TopicDefinition? Expected)
{
    /// <summary>Differences from the catalog, e.g. <c>partitions 3 ≠ 6</c>; empty when the topic matches.</summary>
    public IReadOnlyList<string> Drift
    {
        get
        {
            if (Expected is null)
            {
                return [];
            }

            var drift = new List<string>();
            if (Partitions != Expected.Partitions)
            {
                drift.Add($"partitions {Partitions} ≠ {Expected.Partitions}");
            }

            foreach (var (key, value) in Expected.Configs)
            {
                if (Configs.TryGetValue(key, out var actual) && actual != value)
                {
                    drift.Add($"{key} {actual} ≠ {value}");
                }
            }

            return drift;
        }
    }
}

/// <summary>Creates, lists and describes the catalog's topics through the Kafka admin API.</summary>
internal sealed class TopicAdmin : IDisposable
{
    private readonly IAdminClient admin;
    private readonly TimeSpan timeout;

    public TopicAdmin(string bootstrapServers, KafkaSecurityOptions security, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(security);
        this.timeout = timeout ?? TimeSpan.FromSeconds(15);
        admin = new AdminClientBuilder(security.ApplyTo(new AdminClientConfig
        {
            BootstrapServers = bootstrapServers,
            ClientId = "cryptostreams-topics",
            SocketTimeoutMs = (int)this.timeout.TotalMilliseconds,
        })).SetLogHandler((_, _) => { }).Build();
    }

    /// <summary>Creates every catalog topic that does not exist; existing topics are left alone.</summary>
    public async Task<IReadOnlyList<(TopicDefinition Topic, TopicCreation Result)>> CreateAsync(
        IReadOnlyList<TopicDefinition> catalog, short replicationFactor, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var existing = ListNames();
        var missing = catalog.Where(t => !existing.Contains(t.Name)).ToList();
        var results = catalog.Where(t => existing.Contains(t.Name)).Select(t => (t, TopicCreation.AlreadyExisted)).ToList();
        if (missing.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var specs = missing.Select(t => new TopicSpecification
            {
                Name = t.Name,
                NumPartitions = t.Partitions,
                ReplicationFactor = replicationFactor,
                Configs = t.Configs.ToDictionary(),
            });
            try
            {
                await admin.CreateTopicsAsync(specs, new CreateTopicsOptions { RequestTimeout = timeout, OperationTimeout = timeout }).ConfigureAwait(false);
                results.AddRange(missing.Select(t => (t, TopicCreation.Created)));
            }
            catch (CreateTopicsException ex)
            {
                // Another process (a second `up`, the compose init job) may have created some in between: that is fine.
                var failed = ex.Results.Where(r => r.Error.IsError && r.Error.Code != ErrorCode.TopicAlreadyExists).ToList();
                if (failed.Count > 0)
                {
                    throw new InvalidOperationException(
                        "could not create " + string.Join("; ", failed.Select(r => $"{r.Topic}: {r.Error.Reason}")), ex);
                }

                results.AddRange(ex.Results.Select(r => (missing.Single(t => t.Name == r.Topic),
                    r.Error.Code == ErrorCode.TopicAlreadyExists ? TopicCreation.AlreadyExisted : TopicCreation.Created)));
            }
        }

        var order = catalog.Select((t, i) => (t.Name, i)).ToDictionary(p => p.Name, p => p.i, StringComparer.Ordinal);
        return [.. results.OrderBy(r => order[r.Item1.Name])];
    }

    /// <summary>Topic names on the broker, without internal ones (<c>__consumer_offsets</c>).</summary>
    public IReadOnlySet<string> ListNames()
    {
        try
        {
            var metadata = admin.GetMetadata(timeout);
            return metadata.Topics
                .Where(t => !t.Topic.StartsWith("__", StringComparison.Ordinal) && t.Error.Code != ErrorCode.UnknownTopicOrPart)
                .Select(t => t.Topic)
                .ToHashSet(StringComparer.Ordinal);
        }
        catch (KafkaException ex)
        {
            throw new InvalidOperationException($"the broker did not answer within {timeout.TotalSeconds:0} s ({ex.Error.Reason}); is it running?", ex);
        }
    }

    /// <summary>Partitions, replication and configs of the given topics (those that exist).</summary>
    public async Task<IReadOnlyList<TopicDescription>> DescribeAsync(IReadOnlyList<TopicDefinition> catalog, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        Metadata metadata;
        try
        {
            metadata = admin.GetMetadata(timeout);
        }
        catch (KafkaException ex)
        {
            throw new InvalidOperationException($"the broker did not answer within {timeout.TotalSeconds:0} s ({ex.Error.Reason}); is it running?", ex);
        }

        var byName = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic, StringComparer.Ordinal);
        var wanted = catalog.Where(t => byName.ContainsKey(t.Name)).ToList();
        cancellationToken.ThrowIfCancellationRequested();

        var configs = new Dictionary<string, IReadOnlyDictionary<string, string>>(StringComparer.Ordinal);
        string? configError = null;
        if (wanted.Count > 0)
        {
            try
            {
                var described = await admin.DescribeConfigsAsync(
                    wanted.Select(t => new ConfigResource { Type = ResourceType.Topic, Name = t.Name }),
                    new DescribeConfigsOptions { RequestTimeout = timeout }).ConfigureAwait(false);
                foreach (var result in described)
                {
                    configs[result.ConfigResource.Name] = result.Entries.ToDictionary(e => e.Key, e => e.Value.Value ?? string.Empty, StringComparer.Ordinal);
                }
            }
            catch (KafkaException ex)
            {
                configError = ex.Error.Reason;
            }
        }

        return
        [
            .. wanted.Select(t =>
            {
                var meta = byName[t.Name];
                return new TopicDescription(
                    t.Name,
                    meta.Partitions.Count,
                    meta.Partitions.OrderBy(p => p.PartitionId).FirstOrDefault()?.Replicas.Length ?? 0,
                    configs.TryGetValue(t.Name, out var c) ? c : new Dictionary<string, string>(),
                    configs.ContainsKey(t.Name) ? null : configError ?? "not reported",
                    t);
            }),
        ];
    }

    public void Dispose() => admin.Dispose();
}
