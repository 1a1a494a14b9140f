using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using CryptoStreams.Broker.Protocol;
using Microsoft.Win32.SafeHandles;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Under <see cref="FsyncPolicy.Always"/>, every appended batch is also written here, one broker-wide file, and group
/// commit fsyncs only this file: one fsync per round covers every partition and connection, where fsyncing each dirty
/// segment made a round cost one fsync per partition (16 partitions: 16 journal commits of the filesystem, and at
/// 10k small requests/s the rounds could not keep up). The segments stay the log the broker serves from; they are
/// fsynced when the journal file is full and rotated (<see cref="RotateIfFull"/>), on segment roll and on stop.
/// On start-up <see cref="Recover"/> re-appends the journal's batches a segment lost (a power loss after the ack).
/// Entry: [int32 length][uint32 CRC-32C of the rest][topic id: 16 bytes][int32 partition][record batch].
/// <para>
/// The file is kept zero-filled and fsynced a few MiB ahead of the write position (on a thread-pool thread, off the
/// group-commit path), so a round's entries land in blocks that already exist inside the file's durable size; then
/// <c>fdatasync</c> is enough (Linux). A plain fsync of a growing file must also commit the filesystem's metadata
/// journal, which on ext4 (data=ordered) first writes out every other file's newly allocated dirty blocks — the
/// segments' — so its latency tracked whatever else was being written. Trailing zeros end a file on replay (a zero
/// length is no entry), like a torn write.
/// </para>
/// </summary>
internal sealed class CommitJournal : IDisposable
{
    private const string Extension = ".journal";
    private const int EntryHeader = 8 + 16 + 4;

    // Zero fill: written 1 MiB per lock hold, fsynced once per extension. The extension grows with the file (as much
    // again as it holds, 1–16 MiB), so a busy journal pays one metadata-committing fsync per several MiB, in the
    // background, and one that holds a few entries (tests, idle brokers) writes only 1 MiB.
    private const int PreallocateChunk = 1 << 20;
    private const long PreallocateMaxAhead = 16L << 20;

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly long _rotateBytes;
    private FileStream? _file;
    private long _fileNumber;
    private long _filePosition;

    // Bytes the current file holds (entries and zero fill), and how many of them have a durable size and allocation:
    // an entry wholly below _durableLength changes no metadata, so fdatasync covers it.
    private long _fileLength;
    private long _durableLength;
    private int _preallocating;
    private Task _preallocation = Task.CompletedTask;
    private readonly byte[] _zeros = new byte[PreallocateChunk];

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

    /// <summary>Bytes ever appended, and ever covered by a completed <see cref="Sync"/> (across files).</summary>
    public (long Written, long Synced) Progress => (Volatile.Read(ref _written), Volatile.Read(ref _synced));

    /// <summary>Bytes of entries in the current journal file (the file may be longer: zero fill).</summary>
    public long Size => Volatile.Read(ref _filePosition);

    /// <summary>Zero-filled bytes of the current file whose size and blocks are durable (tests observe preallocation with it).</summary>
    public long DurableLength => Volatile.Read(ref _durableLength);

    /// <summary>Syncs since start-up done with fdatasync (entries inside the durable zero fill) and with a full fsync.</summary>
    public (long DataOnly, long Full) SyncCounts => (Volatile.Read(ref _dataOnlySyncs), Volatile.Read(ref _fullSyncs));

    private long _dataOnlySyncs;
    private long _fullSyncs;

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
                _fileLength = Math.Max(_fileLength, _filePosition);
                Volatile.Write(ref _written, _written + length);
                if (_fileLength - _filePosition < Ahead(_filePosition) / 2 && _preallocating == 0)
                {
                    _preallocating = 1;
                    _preallocation = Task.Run(Preallocate);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(entry);
        }
    }

    private static long Ahead(long position) => Math.Clamp(position, PreallocateChunk, PreallocateMaxAhead);

    /// <summary>
    /// Extends the current file with zeros to <see cref="Ahead"/> beyond the write position, then fsyncs once so the
    /// new size and blocks are durable before any sync relies on them.
    /// </summary>
    private void Preallocate()
    {
        try
        {
            while (true)
            {
                FileStream? file = null;
                long end = 0;
                while (true)
                {
                    lock (_lock)
                    {
                        if (_file is null || (file is not null && !ReferenceEquals(file, _file)))
                        {
                            break;
                        }

                        if (_fileLength - _filePosition >= Ahead(_filePosition))
                        {
                            break;
                        }

                        // Under the lock, so no entry is written into the range being zeroed; one chunk per hold, so
                        // appends wait at most one 1 MiB write.
                        file = _file;
                        RandomAccess.Write(file.SafeFileHandle, _zeros, _fileLength);
                        _fileLength += _zeros.Length;
                        end = _fileLength;
                    }
                }

                if (file is null)
                {
                    lock (_lock)
                    {
                        _preallocating = 0;
                    }

                    return;
                }

                file.Flush(flushToDisk: true);
                lock (_lock)
                {
                    if (ReferenceEquals(file, _file))
                    {
                        Volatile.Write(ref _durableLength, Math.Max(_durableLength, end));
                    }
                }
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // The file was rotated or closed under the fill; a later append starts a new one. Syncs fall back to fsync.
            lock (_lock)
            {
                _preallocating = 0;
            }
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
        bool insideDurableFill;
        lock (_lock)
        {
            file = _file ?? throw new InvalidOperationException("the commit journal is not open");
            written = _written;
            insideDurableFill = _filePosition <= _durableLength;
        }

        if (Volatile.Read(ref _synced) >= written)
        {
            return;
        }

        if (insideDurableFill && DataSync.TrySync(file.SafeFileHandle))
        {
            Interlocked.Increment(ref _dataOnlySyncs);
        }
        else
        {
            file.Flush(flushToDisk: true);
            Interlocked.Increment(ref _fullSyncs);
        }

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
        _fileLength = 0;
        Volatile.Write(ref _durableLength, 0);
    }

    private string PathOf(long number) => Path.Combine(_directory, number.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>After the segments were fsynced on a clean stop, the journal holds nothing they lack.</summary>
    public void DisposeAfterSegmentsFlushed()
    {
        WaitForPreallocation();
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

    private void WaitForPreallocation()
    {
        Task running;
        lock (_lock)
        {
            running = _preallocation;
        }

        // It ends on its own (IO errors are caught inside); closing the file under it would only make it fail.
        running.Wait();
    }

    public void Dispose()
    {
        WaitForPreallocation();
        lock (_lock)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}

/// <summary>
/// fdatasync(2) on Linux: flushes a file's data and only the metadata needed to read it back (not its times), which
/// for writes inside an already durable size and allocation means no filesystem journal commit.
/// </summary>
internal static partial class DataSync
{
    /// <summary>Returns false where fdatasync is not available; the caller then does a full fsync.</summary>
    public static bool TrySync(SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }

        if (fdatasync(handle) == 0)
        {
            return true;
        }

        throw new IOException("fdatasync failed with errno " + Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture));
    }

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int fdatasync(SafeFileHandle fd);
}
