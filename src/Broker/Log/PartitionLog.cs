using System.Buffers.Binary;
using System.Globalization;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>Outcome of appending the batches of one partition from a produce request.</summary>
internal readonly record struct AppendResult(ErrorCode Error, long BaseOffset, long LogStartOffset, string? Message = null)
{
    /// <summary>The records that made the batch fail (KIP-467): index in the request's records, and why.</summary>
    public IReadOnlyList<RecordError> RecordErrors { get; init; } = [];

    /// <summary>The broker's append time for LogAppendTime topics; -1 under CreateTime.</summary>
    public long LogAppendTime { get; init; } = -1;
}

/// <summary>One record a produce request was refused for (Produce v8 <c>record_errors</c>).</summary>
internal readonly record struct RecordError(int BatchIndex, string? Message);

/// <summary>What start-up recovery did with one batch from the <see cref="CommitJournal"/>.</summary>
internal enum JournalReplay
{
    /// <summary>The segment lacked it (lost with the page cache); appended again.</summary>
    Restored,

    /// <summary>The segment already has it.</summary>
    AlreadyPresent,

    /// <summary>It starts past the log end: something between is missing from both (should not happen).</summary>
    Gap,
}

/// <summary>
/// One partition's log: its segments, log start/end offsets, idempotent-producer state and transaction index.
/// Appends are serialised by a lock; fetches read segment files concurrently without it.
/// </summary>
internal sealed class PartitionLog : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TopicConfig _config;
    private readonly TimeProvider _time;
    private readonly ProducerStateTable _producers = new();
    private readonly TransactionIndex _transactions = new();
    private readonly Guid _topicId;
    private readonly CommitJournal? _journal;
    private LogSegment[] _segments;
    private long _logStartOffset;
    private long _stableOffset;

    private PartitionLog(string topic, int partition, string directory, TopicConfig config, TimeProvider time, LogSegment[] segments, Guid topicId, CommitJournal? journal)
    {
        _topicId = topicId;
        _journal = journal;
        Topic = topic;
        Partition = partition;
        Directory = directory;
        _config = config;
        _time = time;
        _segments = segments;
    }

    public string Topic { get; }

    public int Partition { get; }

    public string Directory { get; }

    /// <summary>Raised after records were appended (wakes long-polling fetches).</summary>
    public event Action? Appended;

    public long LogStartOffset => Volatile.Read(ref _logStartOffset);

    /// <summary>Log end offset; on a single node it is also the high watermark.</summary>
    public long HighWatermark => Volatile.Read(ref _segments)[^1].NextOffset;

    public long LastStableOffset => Volatile.Read(ref _stableOffset);

    public long SizeInBytes => Volatile.Read(ref _segments).Sum(s => s.Size);

    public IReadOnlyList<LogSegment> Segments => Volatile.Read(ref _segments);

    public static string DirectoryName(string topic, int partition) => $"{topic}-{partition.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>
    /// Opens (or creates) a partition directory, recovering the active segment from an unclean stop. With a
    /// <paramref name="journal"/>, every append is also written there (tagged with <paramref name="topicId"/>) for group commit.
    /// </summary>
    public static PartitionLog Open(string logsRoot, string topic, int partition, TopicConfig config, TimeProvider time, Action<string, long>? onTruncated,
        Guid topicId = default, CommitJournal? journal = null)
    {
        var directory = Path.Combine(logsRoot, DirectoryName(topic, partition));
        System.IO.Directory.CreateDirectory(directory);
        var files = System.IO.Directory.GetFiles(directory, "*.log")
            .Select(f => (Path: f, Base: long.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var b) ? b : -1))
            .Where(f => f.Base >= 0)
            .OrderBy(f => f.Base)
            .ToList();

        var producers = new ProducerStateTable();
        var transactions = new TransactionIndex();
        void Replay(RecordBatchHeader header, ReadOnlySpan<byte> bytes) => Track(producers, transactions, header, bytes);

        var segments = new List<LogSegment>();
        for (var i = 0; i < files.Count; i++)
        {
            var isLast = i == files.Count - 1;
            var segment = LogSegment.Open(files[i].Path, files[i].Base, verifyCrc: isLast, Replay, out var truncated);
            segments.Add(segment);
            if (truncated > 0)
            {
                onTruncated?.Invoke(segment.LogPath, truncated);
                if (!isLast)
                {
                    // A damaged sealed segment: everything after it is unreachable, so the log ends here.
                    foreach (var later in files.Skip(i + 1))
                    {
                        File.Delete(later.Path);
                        onTruncated?.Invoke(later.Path, new FileInfo(later.Path).Exists ? 0 : -1);
                    }

                    break;
                }
            }
        }

        if (segments.Count == 0)
        {
            segments.Add(LogSegment.Create(directory, 0, time.GetUtcNow()));
        }

        var log = new PartitionLog(topic, partition, directory, config, time, [.. segments], topicId, journal);
        foreach (var (key, value) in ReadCheckpoint(directory))
        {
            if (key == "log-start-offset")
            {
                log._logStartOffset = Math.Clamp(value, segments[0].BaseOffset, log.HighWatermark);
            }
        }

        log._logStartOffset = Math.Max(log._logStartOffset, segments[0].BaseOffset);
        log._producers.CopyFrom(producers);
        log._transactions.CopyFrom(transactions);
        log._stableOffset = transactions.StableOffset(log.HighWatermark);
        return log;
    }

    private static void Track(ProducerStateTable producers, TransactionIndex transactions, in RecordBatchHeader header, ReadOnlySpan<byte> bytes)
    {
        producers.Update(header);
        if (header.IsControl)
        {
            transactions.OnMarker(header.ProducerId, ControlBatch.IsCommit(bytes), header.BaseOffset);
        }
        else if (header.IsTransactional)
        {
            transactions.OnTransactionalBatch(header.ProducerId, header.BaseOffset);
        }
    }

    /// <summary>
    /// Validates and appends every batch in <paramref name="records"/> (the producer's bytes, base offsets rewritten
    /// in place). Either all batches are appended or none.
    /// </summary>
    public AppendResult Append(Memory<byte> records)
    {
        var span = records.Span;
        var maxBatch = _config.MaxBatchBytes;
        var batches = new List<(int Start, int Length)>(1);
        for (var at = 0; at < span.Length;)
        {
            var error = RecordBatchHeader.Validate(span[at..], out var size);
            if (error != ErrorCode.None)
            {
                return new AppendResult(error, -1, LogStartOffset, "record batch failed validation (length, magic or CRC-32C)");
            }

            if (size > maxBatch)
            {
                return new AppendResult(ErrorCode.MessageTooLarge, -1, LogStartOffset);
            }

            batches.Add((at, size));
            at += size;
        }

        if (batches.Count == 0)
        {
            return new AppendResult(ErrorCode.CorruptMessage, -1, LogStartOffset, "empty records");
        }

        var refused = RecordValidator.Check(span, batches, _config, Topic, Partition, _time.GetUtcNow().ToUnixTimeMilliseconds());
        if (refused is not null)
        {
            return refused.Value with { LogStartOffset = LogStartOffset };
        }

        var appendTime = _config.IsLogAppendTime ? _time.GetUtcNow().ToUnixTimeMilliseconds() : -1;

        long firstOffset = -1;
        lock (_lock)
        {
            // Check all before writing any, so a request is all-or-nothing per partition.
            for (var i = 0; i < batches.Count; i++)
            {
                var header = new RecordBatchHeader(span.Slice(batches[i].Start, RecordBatchHeader.Size));
                if (header.IsControl)
                {
                    return new AppendResult(ErrorCode.InvalidRecord, -1, LogStartOffset, "clients may not write control batches");
                }

                var check = _producers.Check(header, out var duplicateOf);
                if (check == ErrorCode.DuplicateSequenceNumber && batches.Count == 1)
                {
                    return new AppendResult(ErrorCode.None, duplicateOf, LogStartOffset);
                }

                if (check != ErrorCode.None)
                {
                    return new AppendResult(check, -1, LogStartOffset);
                }
            }

            foreach (var (start, length) in batches)
            {
                var batch = span.Slice(start, length);
                if (appendTime >= 0)
                {
                    RecordValidator.StampLogAppendTime(batch, appendTime);
                }

                var offset = AppendLocked(batch);
                if (firstOffset < 0)
                {
                    firstOffset = offset;
                }
            }
        }

        Appended?.Invoke();
        return new AppendResult(ErrorCode.None, firstOffset, LogStartOffset) { LogAppendTime = appendTime };
    }

    /// <summary>Writes a transaction marker (commit or abort) for a producer.</summary>
    public long AppendMarker(long producerId, short producerEpoch, bool commit)
    {
        var batch = ControlBatch.Build(producerId, producerEpoch, commit, _time.GetUtcNow().ToUnixTimeMilliseconds());
        long offset;
        lock (_lock)
        {
            offset = AppendLocked(batch);
        }

        Appended?.Invoke();
        return offset;
    }

    /// <summary>True when the producer has an open transaction here (used to write markers only where needed on recovery).</summary>
    /// <summary>Active producers with the start of their open transaction (-1 if none), for DescribeProducers.</summary>
    public List<(long ProducerId, short Epoch, int LastSequence, long LastTimestamp, long TransactionStart)> Producers()
    {
        lock (_lock)
        {
            return [.. _producers.Snapshot().Select(p => (p.ProducerId, p.Epoch, p.LastSequence, p.LastTimestamp, _transactions.OpenSince(p.ProducerId)))];
        }
    }

    public bool HasOpenTransaction(long producerId)
    {
        lock (_lock)
        {
            return _transactions.IsOpen(producerId);
        }
    }

    /// <summary>Start-up recovery: appends a batch from the commit journal if the segment lost it (power loss after the ack).</summary>
    public JournalReplay ReplayFromJournal(Memory<byte> batch)
    {
        var header = new RecordBatchHeader(batch.Span);
        lock (_lock)
        {
            var end = HighWatermark;
            if (header.LastOffset < end)
            {
                return JournalReplay.AlreadyPresent;
            }

            if (header.BaseOffset != end)
            {
                return JournalReplay.Gap;
            }

            AppendLocked(batch.Span, toJournal: false);
        }

        Appended?.Invoke();
        return JournalReplay.Restored;
    }

    private long AppendLocked(Span<byte> batch, bool toJournal = true)
    {
        var active = _segments[^1];
        var offset = active.NextOffset;
        BinaryPrimitives.WriteInt64BigEndian(batch, offset);
        BinaryPrimitives.WriteInt32BigEndian(batch[RecordBatchHeader.LeaderEpochAt..], 0);
        var header = new RecordBatchHeader(batch);
        if (ShouldRoll(active, batch.Length))
        {
            active = Roll(offset);
        }

        active.Append(batch, header);
        if (toJournal)
        {
            _journal?.Append(_topicId, Partition, batch);
        }

        Track(_producers, _transactions, header, batch);
        Volatile.Write(ref _stableOffset, _transactions.StableOffset(header.LastOffset + 1));
        return offset;
    }

    private bool ShouldRoll(LogSegment active, int incoming)
    {
        if (active.IsEmpty)
        {
            return false;
        }

        return active.Size + incoming > _config.SegmentByteLimit ||
               (_time.GetUtcNow() - active.CreatedAt).TotalMilliseconds > _config.SegmentMilliseconds;
    }

    private LogSegment Roll(long nextOffset)
    {
        var old = _segments[^1];
        old.Flush();
        old.WriteIndexFile();
        var fresh = LogSegment.Create(Directory, nextOffset, _time.GetUtcNow());
        Volatile.Write(ref _segments, [.. _segments, fresh]);
        return fresh;
    }

    /// <summary>Rolls the active segment if it is due by age, so time retention and compaction can reach it.</summary>
    public void RollIfDue()
    {
        lock (_lock)
        {
            var active = _segments[^1];
            if (!active.IsEmpty && (_time.GetUtcNow() - active.CreatedAt).TotalMilliseconds > _config.SegmentMilliseconds)
            {
                Roll(active.NextOffset);
            }
        }
    }

    /// <summary>fsyncs the active segment (group commit calls this once for many produce requests).</summary>
    public void Flush() => Volatile.Read(ref _segments)[^1].Flush();

    public bool NeedsFlush => Volatile.Read(ref _segments)[^1].NeedsFlush;

    /// <summary>Aborted transactions overlapping [from, to) for a read_committed fetch.</summary>
    public List<AbortedTransaction> AbortedTransactions(long from, long to)
    {
        lock (_lock)
        {
            return _transactions.AbortedIn(from, to);
        }
    }

    /// <summary>
    /// Copies whole batches starting with the one containing <paramref name="offset"/> into <paramref name="writer"/>,
    /// up to <paramref name="maxBytes"/> (at least one batch) and not past <paramref name="upperBound"/>.
    /// Returns the bytes written.
    /// </summary>
    public int ReadInto(KafkaWriter writer, long offset, int maxBytes, long upperBound)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return ReadOnce(writer, offset, maxBytes, upperBound);
            }
            catch (ObjectDisposedException) when (attempt < 3)
            {
                // Retention or compaction swapped the segment out under this read; the new list has it.
            }
        }
    }

    private int ReadOnce(KafkaWriter writer, long offset, int maxBytes, long upperBound)
    {
        var segments = Volatile.Read(ref _segments);
        var index = SegmentIndexFor(segments, offset);
        for (; index < segments.Length; index++)
        {
            var segment = segments[index];
            var start = segment.FindPosition(offset);
            var end = upperBound >= segment.NextOffset ? segment.Size : segment.FindPosition(upperBound);
            if (start >= end)
            {
                if (upperBound <= segment.NextOffset)
                {
                    return 0;
                }

                continue;
            }

            var available = (int)Math.Min(end - start, int.MaxValue / 2);
            var length = Math.Min(available, maxBytes);
            if (length < RecordBatchHeader.Size || length < FirstBatchSize(segment, start))
            {
                // KIP-74: the first batch is returned whole even when it exceeds the limit, so consumers progress.
                length = Math.Min(available, Math.Max(length, FirstBatchSize(segment, start)));
            }

            var destination = writer.GetSpan(length)[..length];
            var read = segment.Read(destination, start);
            writer.Advance(read);
            return read;
        }

        return 0;
    }

    private static int FirstBatchSize(LogSegment segment, long position)
    {
        Span<byte> header = stackalloc byte[RecordBatchHeader.Size];
        return segment.Read(header, position) < RecordBatchHeader.Size ? 0 : new RecordBatchHeader(header).TotalSize;
    }

    private static int SegmentIndexFor(LogSegment[] segments, long offset)
    {
        var lo = 0;
        var hi = segments.Length - 1;
        var found = 0;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            if (segments[mid].BaseOffset <= offset)
            {
                found = mid;
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        return found;
    }

    /// <summary>First offset whose record timestamp is at or after <paramref name="timestamp"/>, or -1 when none.</summary>
    public (long Offset, long Timestamp) OffsetForTimestamp(long timestamp)
    {
        foreach (var segment in Volatile.Read(ref _segments))
        {
            if (segment.MaxTimestamp < timestamp)
            {
                continue;
            }

            foreach (var (header, position) in segment.Batches())
            {
                if (header.IsControl || header.MaxTimestamp < timestamp || header.LastOffset < LogStartOffset)
                {
                    continue;
                }

                var found = RecordTimestamps.FirstAtOrAfter(segment, position, header, timestamp, LogStartOffset);
                if (found.Offset >= 0)
                {
                    return found;
                }
            }
        }

        return (-1, -1);
    }

    /// <summary>Moves the log start forward (DeleteRecords); whole segments below it are deleted by the cleaner.</summary>
    public ErrorCode AdvanceLogStart(long offset, out long newStart)
    {
        lock (_lock)
        {
            var end = HighWatermark;
            if (offset == -1)
            {
                offset = end;
            }

            if (offset < 0 || offset > end)
            {
                newStart = LogStartOffset;
                return ErrorCode.OffsetOutOfRange;
            }

            if (offset > _logStartOffset)
            {
                Volatile.Write(ref _logStartOffset, offset);
                WriteCheckpoint();
            }

            newStart = _logStartOffset;
            _transactions.TrimBefore(newStart);
            return ErrorCode.None;
        }
    }

    /// <summary>Detaches sealed segments that <paramref name="shouldDelete"/> selects, oldest first, stopping at the first kept one.</summary>
    public List<LogSegment> RemoveOldSegments(Func<LogSegment, long, bool> shouldDelete)
    {
        lock (_lock)
        {
            var removed = new List<LogSegment>();
            var remainingBytes = _segments.Sum(s => s.Size);
            var index = 0;
            while (index < _segments.Length - 1 && shouldDelete(_segments[index], remainingBytes))
            {
                remainingBytes -= _segments[index].Size;
                removed.Add(_segments[index]);
                index++;
            }

            if (removed.Count > 0)
            {
                Volatile.Write(ref _segments, _segments[index..]);
                if (_segments[0].BaseOffset > _logStartOffset)
                {
                    Volatile.Write(ref _logStartOffset, _segments[0].BaseOffset);
                    WriteCheckpoint();
                }

                _transactions.TrimBefore(_logStartOffset);
            }

            return removed;
        }
    }

    /// <summary>Swaps sealed segments for compacted replacements (same offsets, fewer records).</summary>
    public void ReplaceSegments(IReadOnlyList<LogSegment> old, IReadOnlyList<LogSegment> replacements)
    {
        lock (_lock)
        {
            var list = _segments.ToList();
            var at = list.IndexOf(old[0]);
            if (at < 0)
            {
                return;
            }

            list.RemoveRange(at, old.Count);
            list.InsertRange(at, replacements);
            Volatile.Write(ref _segments, [.. list]);
        }
    }

    private void WriteCheckpoint()
    {
        var path = Path.Combine(Directory, "checkpoint");
        var temp = path + ".tmp";
        File.WriteAllText(temp, "log-start-offset " + _logStartOffset.ToString(CultureInfo.InvariantCulture) + "\n");
        File.Move(temp, path, overwrite: true);
    }

    private static IEnumerable<(string Key, long Value)> ReadCheckpoint(string directory)
    {
        var path = Path.Combine(directory, "checkpoint");
        if (!File.Exists(path))
        {
            yield break;
        }

        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
            {
                yield return (parts[0], value);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            foreach (var segment in _segments)
            {
                segment.Flush();
                segment.Dispose();
            }
        }
    }
}
