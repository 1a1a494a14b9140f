using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Under <see cref="FsyncPolicy.Always"/>, every appended batch is also written here, one broker-wide file, and group
/// commit fsyncs only this file: one fsync per round covers every partition and connection, where fsyncing each dirty
/// segment made a round cost one fsync per partition (16 partitions: 16 journal commits of the filesystem, and at
/// 10k small requests/s the rounds could not keep up). The segments stay the log the broker serves from; they are
/// fsynced when the journal file is full and rotated (<see cref="RotateIfFull"/>), on segment roll and on stop.
/// On start-up <see cref="Recover"/> re-appends the journal's batches a segment lost (a power loss after the ack).
/// Entry: [int32 length][uint32 CRC-32C of the rest][topic id: 16 bytes][int32 partition][record batch].
/// </summary>
internal sealed class CommitJournal : IDisposable
{
    private const string Extension = ".journal";
    private const int EntryHeader = 8 + 16 + 4;

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly long _rotateBytes;
    private FileStream? _file;
    private long _fileNumber;
    private long _filePosition;

    // Bytes ever appended / made durable, across files: never reset on rotation, so an entry still in the old file
    // keeps NeedsSync true until the rotation has flushed the segments and the next round has run.
    private long _written;
    private long _synced;

    public CommitJournal(string directory, long rotateBytes)
    {
        _directory = directory;
        _rotateBytes = rotateBytes;
        Directory.CreateDirectory(directory);
    }

    /// <summary>True while bytes were written that no completed <see cref="Sync"/> has covered yet.</summary>
    public bool NeedsSync => Volatile.Read(ref _synced) < Volatile.Read(ref _written);

    /// <summary>Bytes in the current journal file.</summary>
    public long Size => Volatile.Read(ref _filePosition);

    /// <summary>Appends one batch (its offsets already assigned). Called under the partition's lock, after the segment write.</summary>
    public void Append(Guid topicId, int partition, ReadOnlySpan<byte> batch)
    {
        var length = EntryHeader + batch.Length;
        var entry = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = entry.AsSpan(0, length);
            BinaryPrimitives.WriteInt32BigEndian(span, length - 8);
            topicId.TryWriteBytes(span[8..], bigEndian: true, out _);
            BinaryPrimitives.WriteInt32BigEndian(span[24..], partition);
            batch.CopyTo(span[EntryHeader..]);
            BinaryPrimitives.WriteUInt32BigEndian(span[4..], Crc32C.Compute(span[8..]));
            lock (_lock)
            {
                var file = _file ?? throw new InvalidOperationException("the commit journal is not open (recovery has not run)");
                RandomAccess.Write(file.SafeFileHandle, span, _filePosition);
                Volatile.Write(ref _filePosition, _filePosition + length);
                Volatile.Write(ref _written, _written + length);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(entry);
        }
    }

    /// <summary>
    /// fsyncs the journal: every <see cref="Append"/> that returned before this call is durable when it returns.
    /// Called by the single group-commit loop only (it also rotates, so the file cannot change under it).
    /// </summary>
    public void Sync()
    {
        FileStream file;
        long written;
        lock (_lock)
        {
            file = _file ?? throw new InvalidOperationException("the commit journal is not open");
            written = _written;
        }

        if (Volatile.Read(ref _synced) >= written)
        {
            return;
        }

        file.Flush(flushToDisk: true);
        Volatile.Write(ref _synced, written);
    }

    /// <summary>
    /// When the current file is full, switches to a new one, fsyncs the old one and the segments (<paramref name="flushSegments"/>,
    /// which now hold everything the old file held: segment writes precede journal writes) and deletes the old file.
    /// Called by the group-commit loop between rounds.
    /// </summary>
    public void RotateIfFull(Action flushSegments)
    {
        FileStream old;
        string oldPath;
        lock (_lock)
        {
            if (_file is null || _filePosition < _rotateBytes)
            {
                return;
            }

            old = _file;
            oldPath = PathOf(_fileNumber);
            OpenNext();
        }

        try
        {
            // Entries the last round did not cover are durable either way, even if flushing the segments fails.
            old.Flush(flushToDisk: true);
            flushSegments();
        }
        finally
        {
            old.Dispose();
        }

        // Only once the segments are durable: if flushing failed, the old file stays and is replayed on the next start.
        File.Delete(oldPath);
    }

    /// <summary>
    /// Replays every intact entry of the journal files left by the previous run, oldest first, through
    /// <paramref name="replay"/> (topic id, partition, batch); a torn or corrupt entry ends its file. Then fsyncs the
    /// segments (<paramref name="flushSegments"/>), deletes the old files and opens a fresh one. Returns the entries replayed.
    /// </summary>
    public int Recover(Action<Guid, int, Memory<byte>> replay, Action flushSegments)
    {
        var files = Directory.GetFiles(_directory, "*" + Extension)
            .Select(f => (Path: f, Number: long.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1))
            .Where(f => f.Number >= 0)
            .OrderBy(f => f.Number)
            .ToList();
        var entries = 0;
        foreach (var (path, _) in files)
        {
            var bytes = File.ReadAllBytes(path);
            var position = 0;
            while (position + EntryHeader <= bytes.Length)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
                if (length < EntryHeader - 8 + RecordBatchHeader.Size || position + 8L + length > bytes.Length)
                {
                    break;
                }

                var payload = bytes.AsMemory(position + 8, length);
                if (Crc32C.Compute(payload.Span) != BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position + 4)))
                {
                    break;
                }

                replay(new Guid(payload.Span[..16], bigEndian: true), BinaryPrimitives.ReadInt32BigEndian(payload.Span[16..]), payload[20..]);
                entries++;
                position += 8 + length;
            }
        }

        flushSegments();
        lock (_lock)
        {
            _fileNumber = files.Count == 0 ? 0 : files[^1].Number;
            OpenNext();
        }

        foreach (var (path, _) in files)
        {
            File.Delete(path);
        }

        return entries;
    }

    private void OpenNext()
    {
        _fileNumber++;
        _file = new FileStream(PathOf(_fileNumber), FileMode.Create, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        Volatile.Write(ref _filePosition, 0);
    }

    private string PathOf(long number) => Path.Combine(_directory, number.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>After the segments were fsynced on a clean stop, the journal holds nothing they lack.</summary>
    public void DisposeAfterSegmentsFlushed()
    {
        lock (_lock)
        {
            if (_file is null)
            {
                return;
            }

            var path = _file.Name;
            _file.Dispose();
            _file = null;
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
