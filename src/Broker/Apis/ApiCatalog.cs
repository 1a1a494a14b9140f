using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>The APIs this broker serves.</summary>
internal static class ApiCatalog
{
    public static IEnumerable<IApiHandler> Create(BrokerRuntime runtime, Func<RequestDispatcher> dispatcher) =>
    [
        new ApiVersionsApi(runtime, dispatcher),
        new MetadataApi(runtime),
        new ProduceApi(runtime),
        new FetchApi(runtime),
        new ListOffsetsApi(runtime),
        new CreateTopicsApi(runtime),
        new DeleteTopicsApi(runtime),
        new CreatePartitionsApi(runtime),
        new DescribeConfigsApi(runtime),
        new AlterConfigsApi(runtime),
        .. AdminSurfaceApis.Create(runtime),
        new DeleteRecordsApi(runtime),
        new FindCoordinatorApi(runtime),
        new JoinGroupApi(runtime),
        new SyncGroupApi(runtime),
        new HeartbeatApi(runtime),
        new LeaveGroupApi(runtime),
        new OffsetCommitApi(runtime),
        new OffsetFetchApi(runtime),
        new DescribeGroupsApi(runtime),
        new ListGroupsApi(runtime),
        new DeleteGroupsApi(runtime),
        new InitProducerIdApi(runtime),
        new AddPartitionsToTxnApi(runtime),
        new AddOffsetsToTxnApi(runtime),
        new EndTxnApi(runtime),
        new TxnOffsetCommitApi(runtime),
        new DescribeClusterApi(runtime),
    ];
}
