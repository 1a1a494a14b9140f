namespace CryptoStreams.Broker.Protocol;

/// <summary>The Kafka API keys this broker answers (and the ones it recognises to refuse cleanly).</summary>
internal enum ApiKey : short
{
    Produce = 0,
    Fetch = 1,
    ListOffsets = 2,
    Metadata = 3,
    OffsetCommit = 8,
    OffsetFetch = 9,
    FindCoordinator = 10,
    JoinGroup = 11,
    Heartbeat = 12,
    LeaveGroup = 13,
    SyncGroup = 14,
    DescribeGroups = 15,
    ListGroups = 16,
    ApiVersions = 18,
    CreateTopics = 19,
    DeleteTopics = 20,
    DeleteRecords = 21,
    InitProducerId = 22,
    AddPartitionsToTxn = 24,
    AddOffsetsToTxn = 25,
    EndTxn = 26,
    TxnOffsetCommit = 28,
    DescribeConfigs = 32,
    AlterConfigs = 33,
    CreatePartitions = 37,
    DeleteGroups = 42,
    DescribeCluster = 60,

    // Authentication and authorization (src/Broker/Security).
    SaslHandshake = 17,
    DescribeAcls = 29,
    CreateAcls = 30,
    DeleteAcls = 31,
    SaslAuthenticate = 36,

    // The admin surface Kafka UIs call (issue #19), kept as one block: see Apis/AdminSurfaceApis.cs.
    DescribeLogDirs = 35,
    IncrementalAlterConfigs = 44,
    AlterPartitionReassignments = 45,
    ListPartitionReassignments = 46,
    OffsetDelete = 47,
    DescribeClientQuotas = 48,
    DescribeProducers = 61,
    DescribeTransactions = 65,
    ListTransactions = 66,
}
