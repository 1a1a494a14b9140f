using System.Reflection;
using System.Runtime.InteropServices;

namespace CryptoStreams.TestSupport.Kafka;

/// <summary>
/// librdkafka's built-in mock cluster (<c>rd_kafka_mock_cluster_new</c>), hosted in this process. It is a test
/// double shipped with the client library, not a Kafka: it lacks most admin APIs, caps retention, does not enforce
/// <c>read_committed</c> and persists nothing. We use it only as a reference for differential tests and benchmarks
/// of the features it does implement.
/// </summary>
public sealed class LibrdkafkaMockCluster : IDisposable
{
    private readonly IntPtr _client;
    private IntPtr _cluster;

    private LibrdkafkaMockCluster(IntPtr client, IntPtr cluster)
    {
        _client = client;
        _cluster = cluster;
        BootstrapServers = Marshal.PtrToStringUTF8(MockNative.rd_kafka_mock_cluster_bootstraps(cluster))
            ?? throw new InvalidOperationException("the mock cluster reported no bootstrap servers");
    }

    /// <summary><c>host:port</c> of the mock brokers, for <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>Starts a mock cluster with one broker whose first group rebalance does not wait.</summary>
    public static LibrdkafkaMockCluster Start(int brokers = 1, TimeSpan? groupInitialRebalanceDelay = null)
    {
        var errors = new byte[512];
        // A mock cluster hangs off an rd_kafka_t handle; a producer handle with default configuration is enough.
        var client = MockNative.rd_kafka_new(0, IntPtr.Zero, errors, (UIntPtr)errors.Length);
        if (client == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + System.Text.Encoding.UTF8.GetString(errors).TrimEnd('\0'));
        }

        var cluster = MockNative.rd_kafka_mock_cluster_new(client, brokers);
        if (cluster == IntPtr.Zero)
        {
            MockNative.rd_kafka_destroy(client);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        var delay = (int)(groupInitialRebalanceDelay ?? TimeSpan.Zero).TotalMilliseconds;
        Check(MockNative.rd_kafka_mock_group_initial_rebalance_delay_ms(cluster, delay), "rd_kafka_mock_group_initial_rebalance_delay_ms");
        return new LibrdkafkaMockCluster(client, cluster);
    }

    /// <summary>Creates a topic directly in the mock (it does not implement the CreateTopics API).</summary>
    public void CreateTopic(string topic, int partitions)
    {
        ObjectDisposedException.ThrowIf(_cluster == IntPtr.Zero, this);
        Check(MockNative.rd_kafka_mock_topic_create(_cluster, topic, partitions, 1), $"rd_kafka_mock_topic_create({topic})");
    }

    public void Dispose()
    {
        if (_cluster == IntPtr.Zero)
        {
            return;
        }

        MockNative.rd_kafka_mock_cluster_destroy(_cluster);
        MockNative.rd_kafka_destroy(_client);
        _cluster = IntPtr.Zero;
    }

    private static void Check(int error, string call)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"{call} failed with librdkafka error {error}");
        }
    }
}

/// <summary>
/// P/Invoke into the librdkafka that Confluent.Kafka actually loaded. On Debian 12 its default build fails to load
/// (libsasl2.so.3 is missing) and Confluent.Kafka silently falls back to another build, so the library name alone
/// could bind a second, different copy; the resolver maps our import name to the file found in the process's maps.
/// </summary>
internal static partial class MockNative
{
    private const string Library = "librdkafka-as-loaded-by-confluent";

    static MockNative()
    {
        NativeLibrary.SetDllImportResolver(typeof(MockNative).Assembly, Resolve);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Library ? NativeLibrary.Load(LoadedLibrdkafkaPath()) : IntPtr.Zero;

    /// <summary>The path of the librdkafka mapped into this process by Confluent.Kafka.</summary>
    public static string LoadedLibrdkafkaPath()
    {
        // Touching the version makes Confluent.Kafka load its native library if nothing has yet.
        _ = Confluent.Kafka.Library.VersionString;
        var path = File.ReadLines("/proc/self/maps")
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(fields => fields.Length >= 6 && Path.GetFileName(fields[5]).Contains("librdkafka", StringComparison.Ordinal))
            .Select(fields => fields[5])
            .FirstOrDefault();
        return path ?? throw new InvalidOperationException("Confluent.Kafka loaded no librdkafka (not found in /proc/self/maps)");
    }

    [DllImport(Library)]
    public static extern IntPtr rd_kafka_new(int type, IntPtr conf, byte[] errstr, UIntPtr errstrSize);

    [DllImport(Library)]
    public static extern void rd_kafka_destroy(IntPtr rk);

    [DllImport(Library)]
    public static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [DllImport(Library)]
    public static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_topic_create(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitions, int replicationFactor);

    [DllImport(Library)]
    public static extern int rd_kafka_mock_group_initial_rebalance_delay_ms(IntPtr cluster, int delayMs);

    [DllImport(Library)]
    public static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);
}
