using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using CryptoStreams.Broker.Server;

namespace CryptoStreams.Broker.Apis;

/// <summary>
/// Fetch (1) v4–11: whole batches from the one containing the fetch offset, bounded by the high watermark
/// (read_uncommitted) or the last stable offset plus the aborted-transaction list (read_committed).
/// Long-polls until min_bytes are available or max_wait passes. No incremental fetch sessions (session id 0).
/// </summary>
internal sealed class FetchApi : ApiHandler
{
    private const sbyte ReadCommitted = 1;

    public FetchApi(BrokerRuntime runtime)
        : base(runtime)
    {
    }

    public override ApiKey Key => ApiKey.Fetch;

    public override short MinVersion => 4;

    public override short MaxVersion => 11;

    private sealed record PartitionFetch(int Partition, long Offset, int MaxBytes);

    private sealed record TopicFetch(string Name, List<PartitionFetch> Partitions)
    {
        /// <summary>The principal may not read this topic (TOPIC_AUTHORIZATION_FAILED).</summary>
        public bool Denied { get; init; }
    }

    public override ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken)
    {
        var v = request.Version;
        var body = request.Body;
        body.ReadInt32(); // replica id
        var maxWait = body.ReadInt32();
        var minBytes = body.ReadInt32();
        var maxBytes = body.ReadInt32();
        var isolation = body.ReadInt8();
        if (v >= 7)
        {
            body.ReadInt32();
            body.ReadInt32();
        }

        var topics = body.ReadArray(false, r => new TopicFetch(r.ReadString(false), r.ReadArray(false, p =>
        {
            var partition = p.ReadInt32();
            if (v >= 9)
            {
                p.ReadInt32();
            }

            var offset = p.ReadInt64();
            if (v >= 5)
            {
                p.ReadInt64();
            }

            return new PartitionFetch(partition, offset, p.ReadInt32());
        })));
        topics = [.. topics.Select(t => t with { Denied = !Allowed(request, AclOperation.Read, AclResourceType.Topic, t.Name) })];

        var start = response.Length;
        var wake = Runtime.Appended.Next();
        var bytes = WriteBody(response, v, topics, maxBytes, isolation == ReadCommitted, out var anyError);
        if (bytes >= minBytes || anyError || maxWait <= 0)
        {
            return Done;
        }

        return LongPoll(request, response, start, topics, maxBytes, minBytes, isolation == ReadCommitted, wake, maxWait, cancellationToken);
    }

    private async ValueTask<bool> LongPoll(Request request, KafkaWriter response, int start, List<TopicFetch> topics, int maxBytes, int minBytes,
        bool readCommitted, Task wake, int maxWaitMs, CancellationToken cancellationToken)
    {
        var deadline = Runtime.Time.GetTimestamp() + (long)(maxWaitMs / 1000.0 * Runtime.Time.TimestampFrequency);
        while (true)
        {
            var remaining = Runtime.Time.GetElapsedTime(Runtime.Time.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                return true;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var delay = Task.Delay(remaining, Runtime.Time, timeout.Token);
            await Task.WhenAny(wake, delay).ConfigureAwait(false);
            await timeout.CancelAsync().ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            wake = Runtime.Appended.Next();
            response.Truncate(start);
            var bytes = WriteBody(response, request.Version, topics, maxBytes, readCommitted, out var anyError);
            if (bytes >= minBytes || anyError || delay.IsCompleted)
            {
                return true;
            }
        }
    }

    private int WriteBody(KafkaWriter response, short v, List<TopicFetch> topics, int maxBytes, bool readCommitted, out bool anyError)
    {
        anyError = false;
        var total = 0;
        response.WriteInt32(0); // throttle
        if (v >= 7)
        {
            response.WriteInt16(0);
            response.WriteInt32(0);
        }

        response.WriteArrayLength(topics.Count, false);
        foreach (var topic in topics)
        {
            var found = topic.Denied ? null : Runtime.Topics.Find(topic.Name);
            response.WriteString(topic.Name, false);
            response.WriteArrayLength(topic.Partitions.Count, false);
            foreach (var fetch in topic.Partitions)
            {
                var log = found is not null && fetch.Partition >= 0 && fetch.Partition < found.Partitions.Length ? found.Partitions[fetch.Partition] : null;
                if (log is null)
                {
                    anyError = true;
                    WritePartitionHeader(response, v, fetch.Partition, topic.Denied ? ErrorCode.TopicAuthorizationFailed : ErrorCode.UnknownTopicOrPartition, -1, -1, -1, null);
                    response.WriteInt32(0);
                    continue;
                }

                var highWatermark = log.HighWatermark;
                var stable = log.LastStableOffset;
                var logStart = log.LogStartOffset;
                if (fetch.Offset < logStart || fetch.Offset > highWatermark)
                {
                    anyError = true;
                    WritePartitionHeader(response, v, fetch.Partition, ErrorCode.OffsetOutOfRange, highWatermark, stable, logStart, null);
                    response.WriteInt32(0);
                    continue;
                }

                var upper = readCommitted ? stable : highWatermark;
                var aborted = readCommitted && fetch.Offset < upper ? log.AbortedTransactions(fetch.Offset, upper) : null;
                WritePartitionHeader(response, v, fetch.Partition, ErrorCode.None, highWatermark, stable, logStart, readCommitted ? aborted ?? [] : null);
                var sizeAt = response.ReserveInt32();
                var budget = Math.Max(0, Math.Min(fetch.MaxBytes, maxBytes - total));
                var written = 0;
                if (fetch.Offset < upper && (budget > 0 || total == 0))
                {
                    written = log.ReadInto(response, fetch.Offset, Math.Max(budget, 1), upper);
                }

                response.PatchInt32(sizeAt, written);
                total += written;
            }
        }

        return total;
    }

    private static void WritePartitionHeader(KafkaWriter response, short v, int partition, ErrorCode error, long highWatermark, long stable, long logStart,
        List<AbortedTransaction>? aborted)
    {
        response.WriteInt32(partition);
        response.WriteInt16((short)error);
        response.WriteInt64(highWatermark);
        response.WriteInt64(stable);
        if (v >= 5)
        {
            response.WriteInt64(logStart);
        }

        if (aborted is null)
        {
            response.WriteInt32(-1);
        }
        else
        {
            response.WriteInt32(aborted.Count);
            foreach (var a in aborted)
            {
                response.WriteInt64(a.ProducerId);
                response.WriteInt64(a.FirstOffset);
            }
        }

        if (v >= 11)
        {
            response.WriteInt32(-1);
        }
    }
}
