using System.Net;
using CryptoStreams.Broker.Apis;
using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Groups;
using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;
using CryptoStreams.Broker.State;
using CryptoStreams.Broker.Transactions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoStreams.Broker;

/// <summary>
/// A durable single-node Kafka-wire broker hosted in-process: real Kafka clients (Confluent.Kafka, Streamiz, kcat)
/// connect to <see cref="BootstrapServers"/>. Start with <see cref="StartAsync"/>, stop with <see cref="DisposeAsync"/>.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly BrokerRuntime _runtime;
    private readonly BrokerListener _listener;
    private readonly BackgroundLoops _background;
    private readonly string? _temporaryDirectory;
    private const long CommitJournalRotateBytes = 64L * 1024 * 1024;

    private int _disposed;

    private EmbeddedBroker(BrokerRuntime runtime, BrokerListener listener, BackgroundLoops background, string dataDirectory, string? temporaryDirectory)
    {
        _runtime = runtime;
        _listener = listener;
        _background = background;
        DataDirectory = dataDirectory;
        _temporaryDirectory = temporaryDirectory;
    }

    /// <summary>host:port clients should bootstrap from (the advertised address).</summary>
    public string BootstrapServers => $"{_runtime.AdvertisedHost}:{_runtime.AdvertisedPort}";

    /// <summary>The port actually bound (useful with <see cref="BrokerOptions.Port"/> = 0).</summary>
    public int Port => _listener.LocalEndPoint.Port;

    /// <summary>Directory holding segments and coordinator state.</summary>
    public string DataDirectory { get; }

    /// <summary>A snapshot of what the broker is doing, for status lines and the management API.</summary>
    public BrokerStatus GetStatus()
    {
        var topics = _runtime.Topics.All();
        return new BrokerStatus(
            BootstrapServers,
            topics.Count,
            topics.Sum(t => t.Partitions.Length),
            _runtime.Metrics.Connections,
            _runtime.Metrics.BytesIn,
            _runtime.Metrics.BytesOut,
            _runtime.Metrics.Requests);
    }

    /// <summary>
    /// Creates a topic in process, as CreateTopics would (same name rules and topic configs), so a test can prepare its
    /// topics without an admin client. Throws <see cref="InvalidOperationException"/> with the broker's reason.
    /// </summary>
    public void CreateTopic(string name, int partitions = 1, IReadOnlyDictionary<string, string>? configs = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        var error = _runtime.Topics.Create(name, partitions, configs ?? new Dictionary<string, string>(), validateOnly: false, out var message);
        if (error != Protocol.ErrorCode.None)
        {
            throw new InvalidOperationException($"topic '{name}' was not created: {message ?? error.ToString()}");
        }
    }

    public static Task<EmbeddedBroker> StartAsync(BrokerOptions options, ILoggerFactory? loggerFactory = null, CancellationToken cancellationToken = default) =>
        StartAsync(options, loggerFactory, TimeProvider.System, meterFactory: null, cancellationToken);

    internal static Task<EmbeddedBroker> StartAsync(BrokerOptions options, ILoggerFactory? loggerFactory, TimeProvider time,
        System.Diagnostics.Metrics.IMeterFactory? meterFactory, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        cancellationToken.ThrowIfCancellationRequested();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("CryptoStreams.Broker");
        string? temporary = null;
        var dataDirectory = options.DataDirectory;
        if (string.IsNullOrWhiteSpace(dataDirectory))
        {
            temporary = Path.Combine(Path.GetTempPath(), "cryptostreams-broker-" + Guid.NewGuid().ToString("N"));
            dataDirectory = temporary;
        }

        dataDirectory = Path.GetFullPath(dataDirectory);
        Directory.CreateDirectory(dataDirectory);

        // First: a bad security setting must fail before any file is opened.
        var security = new BrokerSecurity(options, dataDirectory);
        var metrics = new BrokerMetrics(meterFactory);
        var appended = new AppendSignal();
        // Group commit fsyncs this one file instead of every dirty segment (see CommitJournal). A journal left by a
        // run under Always is replayed whatever the policy now is: it may hold acknowledged records a segment lost.
        var journalDirectory = Path.Combine(dataDirectory, "journal");
        var always = options.FsyncPolicy == FsyncPolicy.Always;
        var commitJournal = always || Directory.Exists(journalDirectory) ? new CommitJournal(journalDirectory, CommitJournalRotateBytes, ex => BrokerLog.JournalBackgroundFailed(logger, ex)) : null;
        var topics = new TopicStore(dataDirectory, options, time, logger, always ? commitJournal : null);
        topics.PartitionOpened += log => log.Appended += appended.Signal;
        topics.Load();
        if (commitJournal is not null)
        {
            RecoverFromCommitJournal(commitJournal, topics, logger);
            if (!always)
            {
                commitJournal.DisposeAfterSegmentsFlushed();
                commitJournal = null;
                if (Directory.GetFileSystemEntries(journalDirectory).Length == 0)
                {
                    Directory.Delete(journalDirectory);
                }
            }
        }

        var journal = new CoordinatorJournal(Path.Combine(dataDirectory, "coordinator"), options.FsyncPolicy != FsyncPolicy.Never);
        var groups = new GroupCoordinator(options, time, logger, journal);
        var transactions = new TransactionCoordinator(options, time, logger, journal, topics, groups);
        transactions.MarkersWritten += appended.Signal;
        var cut = journal.Replay(entry =>
        {
            // One journal frame may carry several entries (e.g. all offsets of one commit).
            while (entry.Remaining > 0)
            {
                var kind = (byte)entry.ReadInt8();
                if (kind is GroupCoordinator.OffsetCommitEntry or GroupCoordinator.OffsetDeleteEntry or GroupCoordinator.MembershipEntry)
                {
                    groups.Apply(kind, entry);
                }
                else if (kind is TransactionCoordinator.NextProducerIdEntry or TransactionCoordinator.TransactionEntry)
                {
                    transactions.Apply(kind, entry);
                }
                else
                {
                    throw new InvalidDataException($"unknown coordinator journal entry kind {kind}");
                }
            }
        });
        if (cut > 0)
        {
            BrokerLog.JournalTruncated(logger, Path.Combine(dataDirectory, "coordinator"), cut);
        }

        transactions.RecoverAfterReplay();
        CoordinatorCompaction.Compact(journal, groups, transactions);
        var runtime = new BrokerRuntime(options, time, topics, groups, transactions, journal,
            new LogFlusher(commitJournal, topics.FlushAll, metrics.GroupCommitRound), commitJournal, appended, metrics, logger)
        {
            Security = security,
        };

        RequestDispatcher? dispatcher = null;
        dispatcher = new RequestDispatcher(ApiCatalog.Create(runtime, () => dispatcher!), metrics, logger, security);
        var endpoint = new IPEndPoint(ResolveHost(options.Host), options.Port);
        BrokerListener listener;
        try
        {
            listener = new BrokerListener(endpoint, dispatcher, metrics, logger, options.MaxRequestBytes);
        }
        catch
        {
            runtime.Flusher.Dispose();
            topics.Dispose();
            commitJournal?.Dispose();
            journal.Dispose();
            metrics.Dispose();
            throw;
        }

        runtime.AdvertisedHost = string.IsNullOrWhiteSpace(options.AdvertisedHost) ? AdvertisableHost(options.Host) : options.AdvertisedHost;
        runtime.AdvertisedPort = options.AdvertisedPort is > 0 ? options.AdvertisedPort.Value : listener.LocalEndPoint.Port;
        var background = new BackgroundLoops(runtime);
        listener.Start();
        background.Start();
        BrokerLog.Listening(logger, listener.LocalEndPoint.ToString(), $"{runtime.AdvertisedHost}:{runtime.AdvertisedPort}", dataDirectory);
        return Task.FromResult(new EmbeddedBroker(runtime, listener, background, dataDirectory, temporary));
    }

    private static void RecoverFromCommitJournal(CommitJournal commitJournal, TopicStore topics, ILogger logger)
    {
        var restored = 0;
        var gaps = 0;
        commitJournal.Recover(
            (topicId, partition, batch) =>
            {
                // Entries of deleted topics find nothing (a re-created topic has a new id).
                var found = topics.Find(topicId)?.Partitions;
                if (found is null || partition < 0 || partition >= found.Length)
                {
                    return;
                }

                switch (found[partition].ReplayFromJournal(batch))
                {
                    case JournalReplay.Restored:
                        restored++;
                        break;
                    case JournalReplay.Gap:
                        gaps++;
                        break;
                }
            },
            topics.FlushAll);
        if (restored > 0 || gaps > 0)
        {
            BrokerLog.JournalRestored(logger, restored, gaps);
        }
    }

    private static IPAddress ResolveHost(string host)
    {
        if (IPAddress.TryParse(host, out var address))
        {
            return address;
        }

        return host is "localhost" ? IPAddress.Loopback : Dns.GetHostAddresses(host).First(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork);
    }

    private static string AdvertisableHost(string host) => host is "0.0.0.0" or "::" or "" ? "127.0.0.1" : host;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _listener.DisposeAsync().ConfigureAwait(false);
        await _background.DisposeAsync().ConfigureAwait(false);
        _runtime.Flusher.Dispose();
        _runtime.Topics.Dispose();
        _runtime.CommitJournal?.DisposeAfterSegmentsFlushed();
        _runtime.Journal.Dispose();
        _runtime.Metrics.Dispose();
        BrokerLog.Stopped(_runtime.Logger);
        if (_temporaryDirectory is not null)
        {
            try
            {
                Directory.Delete(_temporaryDirectory, recursive: true);
            }
            catch (IOException)
            {
                // Best effort: a temp directory left behind is harmless.
            }
        }
    }
}
