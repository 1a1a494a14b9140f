using Confluent.Kafka;
using CryptoStreams.Broker.Tests.Clients;
using CryptoStreams.Broker.Tests.Endpoints;

namespace CryptoStreams.Broker.Tests.Suite;

/// <summary>
/// The same scenario against our broker and against librdkafka's mock cluster: what the client observes must be
/// identical, down to offsets, timestamps and header order. This catches differences the per-endpoint assertions do
/// not spell out.
/// </summary>
public sealed class DifferentialTests(EndpointFixture endpoints) : IClassFixture<EndpointFixture>
{
    public static TheoryData<CompressionType> Codecs() =>
        [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd];

    [Theory]
    [MemberData(nameof(Codecs))]
    public async Task Produced_records_read_back_identically(CompressionType codec)
    {
        var (ours, reference) = await BothAsync(e => ProduceConsumeTests.ProduceAndReadBackAsync(e, codec));
        Assert.Equal(Ordered(reference), Ordered(ours));
    }

    [Fact]
    public async Task Transactions_read_back_identically()
    {
        var (ours, reference) = await BothAsync(e => TransactionTests.CommitAbortCommitAsync(e));
        Assert.Equal(Ordered(reference), Ordered(ours));
    }

    [Fact]
    public async Task Committed_offsets_and_resumption_agree()
    {
        var (ours, reference) = await BothAsync(OffsetTests.CommitAndResumeAsync);
        Assert.Equal(reference.Committed, ours.Committed);
        Assert.Equal(reference.FirstOffsetPerPartition, ours.FirstOffsetPerPartition);
    }

    [Fact]
    public async Task Watermarks_agree()
    {
        var (ours, reference) = await BothAsync(OffsetTests.OffsetsForTimesAsync);
        Assert.Equal(reference.Watermarks, ours.Watermarks);
    }

    private async Task<(T Ours, T Reference)> BothAsync<T>(Func<KafkaEndpoint, Task<T>> scenario)
    {
        var ours = await scenario(await endpoints.GetAsync(EndpointKind.EmbeddedBroker));
        var reference = await scenario(await endpoints.GetAsync(EndpointKind.LibrdkafkaMock));
        return (ours, reference);
    }

    private static List<ObservedRecord> Ordered(IEnumerable<ObservedRecord> records) => [.. records.OrderBy(r => r.Partition).ThenBy(r => r.Offset)];
}
