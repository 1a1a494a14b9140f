using System.Text.RegularExpressions;
using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Protocol;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// All topics of the broker: create, delete, add partitions, alter configs; metadata under
/// <c>topics/</c>, partition logs under <c>logs/</c> in the data directory.
/// </summary>
internal sealed partial class TopicStore : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly BrokerOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly string _metadataRoot;
    private readonly string _logsRoot;
    private readonly CommitJournal? _journal;

    public TopicStore(string dataDirectory, BrokerOptions options, TimeProvider time, ILogger logger, CommitJournal? journal = null)
    {
        _journal = journal;
        _options = options;
        _time = time;
        _logger = logger;
        _metadataRoot = Path.Combine(dataDirectory, "topics");
        _logsRoot = Path.Combine(dataDirectory, "logs");
        Directory.CreateDirectory(_metadataRoot);
        Directory.CreateDirectory(_logsRoot);
    }

    /// <summary>Raised for every partition log opened or created (the broker wires long-poll wake-ups to it).</summary>
    public event Action<PartitionLog>? PartitionOpened;

    /// <summary>Where the partition directories live (DescribeLogDirs reports it as the log dir).</summary>
    public string LogsDirectory => _logsRoot;

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex LegalName();

    public static bool IsLegalName(string name) => LegalName().IsMatch(name) && name is not "." and not "..";

    public void Load()
    {
        foreach (var file in Directory.GetFiles(_metadataRoot, "*.json"))
        {
            var meta = TopicMetadataFile.Read(file);
            if (meta is null)
            {
                continue;
            }

            var config = new TopicConfig(_options, meta.Configs);
            var partitions = new PartitionLog[meta.Partitions];
            for (var p = 0; p < partitions.Length; p++)
            {
                partitions[p] = OpenPartition(meta.Name, meta.Id, p, config);
            }

            lock (_lock)
            {
                _topics[meta.Name] = new Topic(meta.Name, meta.Id, config, partitions);
            }
        }
    }

    private PartitionLog OpenPartition(string topic, Guid topicId, int partition, TopicConfig config)
    {
        var log = PartitionLog.Open(_logsRoot, topic, partition, config, _time,
            (path, bytes) => BrokerLog.SegmentTruncated(_logger, path, bytes), topicId, _journal);
        PartitionOpened?.Invoke(log);
        return log;
    }

    public Topic? Find(string name)
    {
        lock (_lock)
        {
            return _topics.GetValueOrDefault(name);
        }
    }

    public Topic? Find(Guid id)
    {
        lock (_lock)
        {
            return _topics.Values.FirstOrDefault(t => t.Id == id);
        }
    }

    public PartitionLog? FindPartition(string topic, int partition)
    {
        var found = Find(topic);
        var partitions = found?.Partitions;
        return partitions is not null && partition >= 0 && partition < partitions.Length ? partitions[partition] : null;
    }

    /// <summary>fsyncs every partition's active segment that has unflushed appends.</summary>
    public void FlushAll()
    {
        foreach (var topic in All())
        {
            foreach (var log in topic.Partitions)
            {
                try
                {
                    if (log.NeedsFlush)
                    {
                        log.Flush();
                    }
                }
                catch (ObjectDisposedException)
                {
                    // Deleted meanwhile: nothing of it needs to survive.
                }
            }
        }
    }

    public List<Topic> All()
    {
        lock (_lock)
        {
            return [.. _topics.Values];
        }
    }

    public ErrorCode Create(string name, int partitions, IReadOnlyDictionary<string, string> configs, bool validateOnly, out string? message)
    {
        message = null;
        if (!IsLegalName(name))
        {
            message = $"illegal topic name '{name}'";
            return ErrorCode.InvalidTopicException;
        }

        if (partitions <= 0 || partitions > 100_000)
        {
            message = $"partition count {partitions} must be between 1 and 100000";
            return ErrorCode.InvalidPartitions;
        }

        var configError = TopicConfig.ValidateAll(configs.Select(kv => new KeyValuePair<string, string?>(kv.Key, kv.Value)), out message);
        if (configError != ErrorCode.None)
        {
            return configError;
        }

        lock (_lock)
        {
            if (_topics.ContainsKey(name))
            {
                message = $"topic '{name}' already exists";
                return ErrorCode.TopicAlreadyExists;
            }

            if (validateOnly)
            {
                return ErrorCode.None;
            }

            var config = new TopicConfig(_options, configs);
            var id = Guid.NewGuid();
            var logs = new PartitionLog[partitions];
            for (var p = 0; p < partitions; p++)
            {
                // A leftover directory of a deleted topic with the same name must not resurrect its records.
                var directory = Path.Combine(_logsRoot, PartitionLog.DirectoryName(name, p));
                if (Directory.Exists(directory))
                {
                    Directory.Delete(directory, recursive: true);
                }

                logs[p] = OpenPartition(name, id, p, config);
            }

            _topics[name] = new Topic(name, id, config, logs);
            Persist(_topics[name]);
        }

        BrokerLog.TopicCreated(_logger, name, partitions);
        return ErrorCode.None;
    }

    public ErrorCode Delete(string name)
    {
        Topic? topic;
        lock (_lock)
        {
            if (!_topics.Remove(name, out topic))
            {
                return ErrorCode.UnknownTopicOrPartition;
            }

            File.Delete(MetadataPath(name));
        }

        foreach (var log in topic.Partitions)
        {
            log.Dispose();
            try
            {
                Directory.Delete(log.Directory, recursive: true);
            }
            catch (IOException)
            {
                // A fetch still reading a segment; the directory is removed again on the next create.
            }
        }

        BrokerLog.TopicDeleted(_logger, name);
        return ErrorCode.None;
    }

    public ErrorCode AddPartitions(string name, int newTotal, bool validateOnly, out string? message)
    {
        message = null;
        lock (_lock)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                return ErrorCode.UnknownTopicOrPartition;
            }

            var current = topic.Partitions.Length;
            if (newTotal <= current)
            {
                message = $"topic '{name}' has {current} partitions; the new count must be larger";
                return ErrorCode.InvalidPartitions;
            }

            if (validateOnly)
            {
                return ErrorCode.None;
            }

            var logs = topic.Partitions.ToList();
            for (var p = current; p < newTotal; p++)
            {
                logs.Add(OpenPartition(name, topic.Id, p, topic.Config));
            }

            topic.Partitions = [.. logs];
            Persist(topic);
            return ErrorCode.None;
        }
    }

    /// <summary>Replaces (AlterConfigs) or patches the topic's overrides.</summary>
    public ErrorCode AlterConfigs(string name, IReadOnlyList<KeyValuePair<string, string?>> configs, bool replaceAll, bool validateOnly, out string? message)
    {
        var error = TopicConfig.ValidateAll(configs, out message);
        if (error != ErrorCode.None)
        {
            return error;
        }

        lock (_lock)
        {
            if (!_topics.TryGetValue(name, out var topic))
            {
                return ErrorCode.UnknownTopicOrPartition;
            }

            if (validateOnly)
            {
                return ErrorCode.None;
            }

            if (replaceAll)
            {
                topic.Config.Overrides.Clear();
            }

            foreach (var (key, value) in configs)
            {
                if (value is null)
                {
                    topic.Config.Overrides.Remove(key);
                }
                else
                {
                    topic.Config.Overrides[key] = value;
                }
            }

            Persist(topic);
            return ErrorCode.None;
        }
    }

    private string MetadataPath(string name) => Path.Combine(_metadataRoot, name + ".json");

    private void Persist(Topic topic) =>
        new TopicMetadataFile(topic.Name, topic.Id, topic.Partitions.Length, new(topic.Config.Overrides)).Write(MetadataPath(topic.Name));

    public void Dispose()
    {
        foreach (var topic in All())
        {
            foreach (var log in topic.Partitions)
            {
                log.Dispose();
            }
        }
    }
}
