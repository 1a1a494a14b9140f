using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Groups;
using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.State;
using CryptoStreams.Broker.Transactions;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Server;

/// <summary>Everything the API handlers share: options, clock, topics, coordinators, durability and metrics.</summary>
internal sealed class BrokerRuntime
{
    public BrokerRuntime(BrokerOptions options, TimeProvider time, TopicStore topics, GroupCoordinator groups,
        TransactionCoordinator transactions, CoordinatorJournal journal, LogFlusher flusher, CommitJournal? commitJournal, AppendSignal appended, BrokerMetrics metrics, ILogger logger)
    {
        Options = options;
        Time = time;
        Topics = topics;
        Groups = groups;
        Transactions = transactions;
        Journal = journal;
        Flusher = flusher;
        CommitJournal = commitJournal;
        Appended = appended;
        Metrics = metrics;
        Logger = logger;
    }

    public BrokerOptions Options { get; }

    public TimeProvider Time { get; }

    public TopicStore Topics { get; }

    public GroupCoordinator Groups { get; }

    public TransactionCoordinator Transactions { get; }

    public CoordinatorJournal Journal { get; }

    public LogFlusher Flusher { get; }

    /// <summary>What group commit fsyncs under <see cref="FsyncPolicy.Always"/>; null under the other policies.</summary>
    public CommitJournal? CommitJournal { get; }

    public AppendSignal Appended { get; }

    public BrokerMetrics Metrics { get; }

    public ILogger Logger { get; }

    /// <summary>SASL users, ACLs and the authorizer (allows everything while security is off).</summary>
    public required BrokerSecurity Security { get; init; }

    public string AdvertisedHost { get; set; } = "127.0.0.1";

    public int AdvertisedPort { get; set; }

    public int NodeId => Options.NodeId;

    /// <summary>Creates a topic with broker defaults if auto-creation is on; returns it or null.</summary>
    public Topic? FindOrAutoCreate(string name)
    {
        var topic = Topics.Find(name);
        if (topic is null && Options.AutoCreateTopics && TopicStore.IsLegalName(name))
        {
            Topics.Create(name, Options.DefaultPartitions, new Dictionary<string, string>(), validateOnly: false, out _);
            topic = Topics.Find(name);
        }

        return topic;
    }
}
