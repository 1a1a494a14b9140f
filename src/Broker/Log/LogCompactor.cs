using System.Buffers;
using System.Buffers.Binary;
using System.IO.Hashing;
using System.Runtime.CompilerServices;
using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Protocol;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Log compaction for <c>cleanup.policy=compact</c>: in the sealed segments only the last record per key survives
/// (tombstones too, until <c>delete.retention.ms</c> after their segment). Offsets never change: a rewritten batch
/// keeps its base offset and last offset delta. Compressed, transactional and control batches are kept whole —
/// they are rare in compacted Streamiz changelogs and re-encoding them is not worth the risk here.
/// </summary>
internal sealed class LogCompactor
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly ConditionalWeakTable<PartitionLog, StrongBox<long>> _compactedUpTo = [];

    public LogCompactor(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
    }

    public void Compact(TopicConfig config, PartitionLog log)
    {
        var segments = log.Segments;
        if (segments.Count < 2)
        {
            return;
        }

        var sealedSegments = segments.Take(segments.Count - 1).ToList();
        var done = _compactedUpTo.GetValue(log, _ => new StrongBox<long>(-1));
        if (sealedSegments[^1].NextOffset == done.Value)
        {
            return;
        }

        var latest = new Dictionary<byte[], long>(KeyComparer.Instance);
        foreach (var segment in sealedSegments)
        {
            ForEachPlainRecord(segment, (key, offset, _) => latest[key] = offset);
        }

        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var before = sealedSegments.Sum(s => s.Size);
        var replacements = new List<LogSegment>();
        foreach (var segment in sealedSegments)
        {
            var dropTombstones = segment.MaxTimestamp >= 0 && now - segment.MaxTimestamp > config.DeleteRetentionMilliseconds;
            replacements.Add(Rewrite(segment, latest, dropTombstones));
        }

        log.ReplaceSegments(sealedSegments, replacements);
        foreach (var old in sealedSegments)
        {
            old.Dispose();
        }

        done.Value = sealedSegments[^1].NextOffset;
        BrokerLog.Compacted(_logger, log.Topic, log.Partition, before, replacements.Sum(s => s.Size));
    }

    private static LogSegment Rewrite(LogSegment segment, Dictionary<byte[], long> latest, bool dropTombstones)
    {
        var cleanedPath = segment.LogPath + ".cleaned";
        using (var output = new FileStream(cleanedPath, FileMode.Create, FileAccess.Write))
        {
            foreach (var (header, position) in segment.Batches())
            {
                var batch = ArrayPool<byte>.Shared.Rent(header.TotalSize);
                try
                {
                    var bytes = batch.AsSpan(0, header.TotalSize);
                    segment.Read(bytes, position);
                    if (!IsPlain(header))
                    {
                        output.Write(bytes);
                        continue;
                    }

                    WriteFiltered(output, bytes, header, latest, dropTombstones);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(batch);
                }
            }

            output.Flush(flushToDisk: true);
        }

        // Readers keep the old file open by handle; the rename swaps the name under them safely.
        File.Move(cleanedPath, segment.LogPath, overwrite: true);
        return LogSegment.Open(segment.LogPath, segment.BaseOffset, verifyCrc: false, static (_, _) => { }, out _);
    }

    private static bool IsPlain(in RecordBatchHeader header) => header.Compression == 0 && !header.IsControl && !header.IsTransactional;

    private static void WriteFiltered(FileStream output, ReadOnlySpan<byte> batch, in RecordBatchHeader header, Dictionary<byte[], long> latest, bool dropTombstones)
    {
        using var kept = new KafkaWriter(batch.Length);
        kept.WriteRaw(batch[..RecordBatchHeader.Size]);
        var count = 0;
        var pos = RecordBatchHeader.Size;
        for (var i = 0; i < header.RecordCount; i++)
        {
            var start = pos;
            if (!TryReadRecord(batch, ref pos, out var key, out var offsetDelta, out var isTombstone))
            {
                // Unparseable: keep the batch as it was rather than lose data.
                output.Write(batch);
                return;
            }

            var offset = header.BaseOffset + offsetDelta;
            var keep = key is null || (latest.TryGetValue(key, out var last) && last == offset && !(isTombstone && dropTombstones));
            if (keep)
            {
                kept.WriteRaw(batch[start..pos]);
                count++;
            }
        }

        if (count == 0)
        {
            return;
        }

        var rebuilt = kept.WrittenSpan;
        BinaryPrimitives.WriteInt32BigEndian(rebuilt[RecordBatchHeader.LengthAt..], rebuilt.Length - RecordBatchHeader.LogOverhead);
        BinaryPrimitives.WriteInt32BigEndian(rebuilt[RecordBatchHeader.RecordCountAt..], count);
        BinaryPrimitives.WriteUInt32BigEndian(rebuilt[RecordBatchHeader.CrcAt..], Crc32C.Compute(rebuilt[RecordBatchHeader.AttributesAt..]));
        output.Write(rebuilt);
    }

    private static void ForEachPlainRecord(LogSegment segment, Action<byte[], long, bool> visit)
    {
        foreach (var (header, position) in segment.Batches())
        {
            if (!IsPlain(header))
            {
                continue;
            }

            var batch = ArrayPool<byte>.Shared.Rent(header.TotalSize);
            try
            {
                var bytes = batch.AsSpan(0, header.TotalSize);
                segment.Read(bytes, position);
                var pos = RecordBatchHeader.Size;
                for (var i = 0; i < header.RecordCount; i++)
                {
                    if (!TryReadRecord(bytes, ref pos, out var key, out var offsetDelta, out var isTombstone))
                    {
                        break;
                    }

                    if (key is not null)
                    {
                        visit(key, header.BaseOffset + offsetDelta, isTombstone);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(batch);
            }
        }
    }

    /// <summary>Reads one record; leaves <paramref name="pos"/> after it.</summary>
    internal static bool TryReadRecord(ReadOnlySpan<byte> batch, ref int pos, out byte[]? key, out int offsetDelta, out bool isTombstone)
    {
        key = null;
        offsetDelta = 0;
        isTombstone = false;
        if (!RecordVarInt.TryRead(batch, ref pos, out var length) || length < 0 || pos + length > batch.Length)
        {
            return false;
        }

        var end = pos + length;
        var body = batch[..end];
        var p = pos + 1;
        if (!RecordVarInt.TryReadLong(body, ref p, out _) || !RecordVarInt.TryRead(body, ref p, out offsetDelta) ||
            !RecordVarInt.TryRead(body, ref p, out var keyLength) || p + Math.Max(keyLength, 0) > end)
        {
            return false;
        }

        if (keyLength >= 0)
        {
            key = body.Slice(p, keyLength).ToArray();
            p += keyLength;
        }

        if (!RecordVarInt.TryRead(body, ref p, out var valueLength))
        {
            return false;
        }

        isTombstone = valueLength < 0;
        pos = end;
        return true;
    }

    private sealed class KeyComparer : IEqualityComparer<byte[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(byte[]? x, byte[]? y) => x.AsSpan().SequenceEqual(y);

        public int GetHashCode(byte[] obj) => (int)XxHash3.HashToUInt64(obj);
    }
}
