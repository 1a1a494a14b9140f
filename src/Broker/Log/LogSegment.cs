using System.Buffers;
using System.Globalization;
using CryptoStreams.Broker.Protocol;
using Microsoft.Win32.SafeHandles;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// One segment file of a partition: record batches back to back, exactly as produced (base offset
/// rewritten), named by the offset of its first record like Kafka's <c>00000000000000000000.log</c>.
/// A sparse in-memory index maps offsets to positions; sealed segments also get a <c>.index</c> file.
/// </summary>
internal sealed class LogSegment : IDisposable
{
    private const int ScanChunk = 64 * 1024;

    private readonly FileStream _file;
    private long _size;
    private long _flushedSize;
    private long _nextOffset;
    private long _maxTimestamp = -1;

    private LogSegment(string path, long baseOffset, FileStream file, DateTimeOffset createdAt)
    {
        LogPath = path;
        BaseOffset = baseOffset;
        _file = file;
        Handle = file.SafeFileHandle;
        _nextOffset = baseOffset;
        CreatedAt = createdAt;
    }

    public string LogPath { get; }

    public long BaseOffset { get; }

    public DateTimeOffset CreatedAt { get; }

    public SparseIndex Index { get; } = new();

    /// <summary>Bytes of complete batches; readers never look past it.</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>Offset after the last record in this segment.</summary>
    public long NextOffset => Volatile.Read(ref _nextOffset);

    /// <summary>Largest record timestamp in the segment (-1 when empty): drives time retention and timestamp lookups.</summary>
    public long MaxTimestamp => Volatile.Read(ref _maxTimestamp);

    public bool IsEmpty => Size == 0;

    // Taken once: FileStream.SafeFileHandle seeks the descriptor to the stream's position on every call (one lseek per
    // append and read otherwise).
    private SafeFileHandle Handle { get; }

    public static string FileName(long baseOffset) => baseOffset.ToString("D20", CultureInfo.InvariantCulture) + ".log";

    public static LogSegment Create(string directory, long baseOffset, DateTimeOffset now)
    {
        var path = Path.Combine(directory, FileName(baseOffset));
        var file = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        return new LogSegment(path, baseOffset, file, now);
    }

    /// <summary>
    /// Opens an existing segment and rebuilds its index by walking batch headers. With <paramref name="verifyCrc"/>
    /// (the active segment after an unclean stop) every batch's CRC is checked too; the file is truncated at the
    /// first incomplete or corrupt batch. <paramref name="onBatch"/> sees each valid batch in order.
    /// </summary>
    public static LogSegment Open(string path, long baseOffset, bool verifyCrc, Action<RecordBatchHeader, ReadOnlySpan<byte>> onBatch, out long truncatedBytes)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete, 1, FileOptions.None);
        var segment = new LogSegment(path, baseOffset, file, new DateTimeOffset(File.GetCreationTimeUtc(path), TimeSpan.Zero));
        var length = file.Length;
        var position = 0L;
        var buffer = ArrayPool<byte>.Shared.Rent(ScanChunk);
        try
        {
            while (position + RecordBatchHeader.Size <= length)
            {
                var headerBytes = buffer.AsSpan(0, RecordBatchHeader.Size);
                RandomAccess.Read(segment.Handle, headerBytes, position);
                var header = new RecordBatchHeader(headerBytes);
                var total = (long)header.BatchLength + RecordBatchHeader.LogOverhead;
                if (header.BatchLength < RecordBatchHeader.Size - RecordBatchHeader.LogOverhead || header.Magic != 2 ||
                    position + total > length || header.BaseOffset < segment._nextOffset || total > int.MaxValue / 2)
                {
                    break;
                }

                if (verifyCrc || header.IsControl)
                {
                    if (buffer.Length < total)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        buffer = ArrayPool<byte>.Shared.Rent((int)total);
                    }

                    var whole = buffer.AsSpan(0, (int)total);
                    RandomAccess.Read(segment.Handle, whole, position);
                    if (verifyCrc && !RecordBatchHeader.HasValidCrc(whole))
                    {
                        break;
                    }

                    onBatch(header, whole);
                }
                else
                {
                    onBatch(header, ReadOnlySpan<byte>.Empty);
                }

                segment.Index.MaybeAdd(header.BaseOffset, position);
                segment._nextOffset = header.LastOffset + 1;
                segment._maxTimestamp = Math.Max(segment._maxTimestamp, header.MaxTimestamp);
                position += total;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        truncatedBytes = length - position;
        if (truncatedBytes > 0)
        {
            file.SetLength(position);
            file.Flush(flushToDisk: true);
        }

        segment._size = position;
        segment._flushedSize = position;
        return segment;
    }

    /// <summary>Appends one batch whose base offset is already assigned. Single writer (the partition lock).</summary>
    public void Append(ReadOnlySpan<byte> batch, in RecordBatchHeader header)
    {
        var position = _size;
        RandomAccess.Write(Handle, batch, position);
        Index.MaybeAdd(header.BaseOffset, position);
        Volatile.Write(ref _maxTimestamp, Math.Max(_maxTimestamp, header.MaxTimestamp));
        Volatile.Write(ref _nextOffset, header.LastOffset + 1);
        Volatile.Write(ref _size, position + batch.Length);
    }

    public bool NeedsFlush => Volatile.Read(ref _flushedSize) < Size;

    /// <summary>fsyncs what was appended so far.</summary>
    public void Flush()
    {
        var size = Size;
        if (Volatile.Read(ref _flushedSize) >= size)
        {
            return;
        }

        _file.Flush(flushToDisk: true);
        InterlockedMax(ref _flushedSize, size);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Volatile.Read(ref target);
        while (current < value)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }

    public int Read(Span<byte> destination, long position) => RandomAccess.Read(Handle, destination, position);

    /// <summary>Position of the first batch whose last offset is at or after <paramref name="offset"/>; <see cref="Size"/> if none.</summary>
    public long FindPosition(long offset)
    {
        var limit = Size;
        var position = Index.Floor(offset);
        Span<byte> headerBytes = stackalloc byte[RecordBatchHeader.Size];
        while (position + RecordBatchHeader.Size <= limit)
        {
            RandomAccess.Read(Handle, headerBytes, position);
            var header = new RecordBatchHeader(headerBytes);
            if (header.LastOffset >= offset)
            {
                return position;
            }

            position += header.TotalSize;
        }

        return limit;
    }

    /// <summary>Walks batch headers from <paramref name="from"/> to the current end.</summary>
    public IEnumerable<(RecordBatchHeader Header, long Position)> Batches(long from = 0)
    {
        var limit = Size;
        var position = from;
        var headerBytes = new byte[RecordBatchHeader.Size];
        while (position + RecordBatchHeader.Size <= limit)
        {
            RandomAccess.Read(Handle, headerBytes, position);
            var header = new RecordBatchHeader(headerBytes);
            yield return (header, position);
            position += header.TotalSize;
        }
    }

    /// <summary>Cuts the segment back to <paramref name="position"/> (a batch boundary).</summary>
    public void TruncateTo(long position, long nextOffset)
    {
        _file.SetLength(position);
        _file.Flush(flushToDisk: true);
        Index.TruncateTo(position);
        Volatile.Write(ref _size, position);
        Volatile.Write(ref _flushedSize, position);
        Volatile.Write(ref _nextOffset, nextOffset);
    }

    /// <summary>Writes the sparse index next to a sealed segment (informational; the log itself is the truth).</summary>
    public void WriteIndexFile()
    {
        var path = Path.ChangeExtension(LogPath, ".index");
        File.WriteAllBytes(path, Index.Serialize());
    }

    public void Dispose() => _file.Dispose();

    public void Delete()
    {
        _file.Dispose();
        File.Delete(LogPath);
        File.Delete(Path.ChangeExtension(LogPath, ".index"));
    }
}
