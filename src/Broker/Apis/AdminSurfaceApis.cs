using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>
/// The admin APIs Kafka UIs (kafbat kafka-ui, Redpanda Console, AKHQ) call on connect and on their topic, consumer
/// and broker pages, beyond what clients need; registered as one group in <see cref="ApiCatalog"/>.
/// </summary>
internal static class AdminSurfaceApis
{
    public static IEnumerable<IApiHandler> Create(BrokerRuntime runtime) =>
    [
        new DescribeLogDirsApi(runtime),
        new IncrementalAlterConfigsApi(runtime),
        new AlterPartitionReassignmentsApi(runtime),
        new ListPartitionReassignmentsApi(runtime),
        new OffsetDeleteApi(runtime),
        new DescribeClientQuotasApi(runtime),
        new DescribeProducersApi(runtime),
        new DescribeTransactionsApi(runtime),
        new ListTransactionsApi(runtime),
    ];
}
