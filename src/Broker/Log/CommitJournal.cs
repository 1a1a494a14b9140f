using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Collections.Concurrent;
using CryptoStreams.Broker.Protocol;
using Microsoft.Win32.SafeHandles;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// Under <see cref="FsyncPolicy.Always"/>, every appended batch is also written here, one broker-wide file, and group
/// commit fsyncs only this file: one fsync per round covers every partition and connection, where fsyncing each dirty
/// segment made a round cost one fsync per partition. The segments stay the log the broker serves from; they are
/// fsynced in the background once a journal file is full (<see cref="RotateIfFull"/>), and on stop. On start-up
/// <see cref="Recover"/> re-appends the journal's batches a segment lost (a power loss after the ack).
/// Entry: [int32 length][uint32 CRC-32C of the rest][int64 file number][topic id: 16 bytes][int32 partition][record batch].
/// <para>
/// Latency is what shapes the files. A round's <c>fdatasync</c> is cheap (a quarter of a millisecond here) only while
/// the entries land in blocks that already exist inside the file's durable size: then no filesystem metadata changes.
/// So every journal file is zero-filled to its full capacity and fsynced <em>before</em> it is written to, on a
/// background thread while the previous file is in use (the spare), never by growing the file being synced: on ext4
/// an fdatasync waits for every page of its file under writeback, so zero-filling ahead in the same file made each
/// round wait for megabytes of zeros, and fsyncing a growing file waited for the filesystem journal. A retired file
/// whose segments are durable is recycled as the next spare (renamed, like PostgreSQL's WAL segments) instead of
/// being filled again; its stale entries carry their old file number and end replay. Files start at
/// <see cref="FirstFileBytes"/> and double up to <see cref="MaxFileBytes"/>, so an idle broker or a test writes little.
/// </para>
/// </summary>
internal sealed class CommitJournal : IDisposable
{
    private const string Extension = ".journal";
    private const string RecycleExtension = ".recycle";
    private const int EntryHeader = 8 + 8 + 16 + 4;
    private const int ZeroChunk = 1 << 20;

    /// <summary>Capacity of the first file a data directory gets.</summary>
    public const long FirstFileBytes = 2L << 20;

    /// <summary>Largest capacity a file grows to.</summary>
    public const long MaxFileBytes = 64L << 20;

    private readonly Lock _lock = new();
    private readonly string _directory;
    private readonly long _rotateBytes;
    private readonly Action<Exception>? _backgroundFailed;
    private readonly BlockingCollection<Retiring> _retire = [];
    private Task? _retirement;

    private FileStream? _file;

    // _file's descriptor, cached: FileStream.SafeFileHandle seeks on every call (an lseek per append).
    private SafeFileHandle? _handle;
    private long _fileNumber;
    private long _filePosition;

    // Bytes of the current file that are zero-filled with a durable size: an entry wholly below it changes no metadata.
    private long _capacity;

    private JournalFile? _spare;
    private Task _preparing = Task.CompletedTask;
    private bool _preparingSpare;
    private bool _stopped;
    private Exception? _failure;

    // A retired file whose segments are durable, kept to become the next spare.
    private (string Path, long Length)? _recyclable;

    // Bytes ever appended / made durable, across files: never reset on rotation.
    private long _written;
    private long _synced;
    private long _dataOnlySyncs;
    private long _fullSyncs;
    private long _recycled;

    /// <param name="directory">Where the journal files live.</param>
    /// <param name="rotateBytes">Rotate once a file holds this many bytes of entries, even if it has room left.</param>
    /// <param name="backgroundFailed">Told when preparing a spare or retiring a file failed (the broker logs it); the journal carries on.</param>
    public CommitJournal(string directory, long rotateBytes, Action<Exception>? backgroundFailed = null)
    {
        _directory = directory;
        _rotateBytes = rotateBytes;
        _backgroundFailed = backgroundFailed;
        Directory.CreateDirectory(directory);
    }

    private sealed record JournalFile(FileStream Stream, long Number, long Capacity);

    private readonly record struct Retiring(FileStream Stream, Action FlushSegments, TaskCompletionSource Done);

    /// <summary>True while bytes were written that no completed <see cref="Sync"/> has covered yet.</summary>
    public bool NeedsSync => Volatile.Read(ref _synced) < Volatile.Read(ref _written);

    /// <summary>Bytes ever appended, and ever covered by a completed <see cref="Sync"/> (across files).</summary>
    public (long Written, long Synced) Progress => (Volatile.Read(ref _written), Volatile.Read(ref _synced));

    /// <summary>Bytes of entries in the current journal file (the file is longer: zero fill).</summary>
    public long Size => Volatile.Read(ref _filePosition);

    /// <summary>Zero-filled bytes of the current file whose size and blocks are durable.</summary>
    public long DurableLength => Volatile.Read(ref _capacity);

    /// <summary>Number of the file being written (rises by one per rotation).</summary>
    public long FileNumber => Volatile.Read(ref _fileNumber);

    /// <summary>Spares made from a retired file instead of a new zero-filled one.</summary>
    public long Recycled => Volatile.Read(ref _recycled);

    /// <summary>Syncs since start-up done with fdatasync (entries inside the durable fill) and with a full fsync.</summary>
    public (long DataOnly, long Full) SyncCounts => (Volatile.Read(ref _dataOnlySyncs), Volatile.Read(ref _fullSyncs));

    /// <summary>Appends one batch (its offsets already assigned). Called under the partition's lock, after the segment write.</summary>
    public void Append(Guid topicId, int partition, ReadOnlySpan<byte> batch)
    {
        var length = EntryHeader + batch.Length;
        var entry = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = entry.AsSpan(0, length);
            topicId.TryWriteBytes(span[16..], bigEndian: true, out _);
            BinaryPrimitives.WriteInt32BigEndian(span[32..], partition);
            batch.CopyTo(span[EntryHeader..]);
            lock (_lock)
            {
                var handle = _handle ?? throw new InvalidOperationException("the commit journal is not open (recovery has not run)");
                // The number is stamped under the lock, with the file it goes to: a recycled file's stale entries carry
                // an older number, and replay stops at the first of them.
                BinaryPrimitives.WriteInt64BigEndian(span[JournalFrame.HeaderSize..], _fileNumber);
                JournalFrame.Seal(span);
                RandomAccess.Write(handle, span, _filePosition);
                Volatile.Write(ref _filePosition, _filePosition + length);
                Volatile.Write(ref _written, _written + length);
                if (_filePosition >= _capacity / 2)
                {
                    StartPreparingSpareLocked();
                }
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
        SafeFileHandle handle;
        long written;
        bool insideDurableFill;
        lock (_lock)
        {
            handle = _handle ?? throw new InvalidOperationException("the commit journal is not open");
            written = _written;
            insideDurableFill = _filePosition <= _capacity;
        }

        if (Volatile.Read(ref _failure) is { } failure)
        {
            throw new IOException("the commit journal could not make a rotated file durable: " + failure.Message, failure);
        }

        if (Volatile.Read(ref _synced) >= written)
        {
            return;
        }

        SyncFile(handle, insideDurableFill);
        Volatile.Write(ref _synced, written);
    }

    private void SyncFile(SafeFileHandle handle, bool insideDurableFill)
    {
        if (insideDurableFill && DataSync.TrySync(handle))
        {
            Interlocked.Increment(ref _dataOnlySyncs);
        }
        else
        {
            RandomAccess.FlushToDisk(handle);
            Interlocked.Increment(ref _fullSyncs);
        }
    }

    /// <summary>
    /// Once the current file is full and a spare is ready, switches to the spare; fsyncs what the old file holds beyond
    /// the last round, then hands it to the retirement thread, which fsyncs the segments (<paramref name="flushSegments"/>:
    /// they now hold everything the old file held, since segment writes precede journal writes) and only then recycles
    /// or deletes it. Called by the group-commit loop between rounds; the rotation itself costs one fdatasync.
    /// Returns the retirement, done once the old file is gone (or kept after a failed segment flush); null = no rotation.
    /// </summary>
    public Task? RotateIfFull(Action flushSegments)
    {
        FileStream old;
        long writtenAtSwitch;
        bool oldInsideFill;
        lock (_lock)
        {
            if (_file is null || _filePosition == 0 || _filePosition < Math.Min(_rotateBytes, _capacity - (_capacity / 8)))
            {
                return null;
            }

            if (_spare is null)
            {
                // Not ready yet: keep writing this file (past its capacity it falls back to full fsyncs) and try next round.
                StartPreparingSpareLocked();
                return null;
            }

            old = _file;
            oldInsideFill = _filePosition <= _capacity;
            writtenAtSwitch = _written;
            _file = _spare.Stream;
            _handle = _file.SafeFileHandle;
            Volatile.Write(ref _fileNumber, _spare.Number);
            Volatile.Write(ref _capacity, _spare.Capacity);
            Volatile.Write(ref _filePosition, 0);
            _spare = null;
        }

        try
        {
            // Entries the last round did not cover are in the old file; the next round syncs only the new one.
            if (Volatile.Read(ref _synced) < writtenAtSwitch)
            {
                SyncFile(old.SafeFileHandle, oldInsideFill);
                Volatile.Write(ref _synced, Math.Max(Volatile.Read(ref _synced), writtenAtSwitch));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Entries in the old file may not be durable, and the next round would sync only the new one: fail every
            // later round rather than acknowledge them (as PostgreSQL stops on a failed fsync).
            Volatile.Write(ref _failure, ex);
            old.Dispose();
            throw;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _retirement ??= Task.Factory.StartNew(RetireLoop, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        _retire.Add(new Retiring(old, flushSegments, done));
        return done.Task;
    }

    // One retirement at a time, in rotation order, on its own thread: a segment flush can take hundreds of milliseconds
    // and must not hold up group commit.
    private void RetireLoop()
    {
        foreach (var retiring in _retire.GetConsumingEnumerable())
        {
            var path = retiring.Stream.Name;
            try
            {
                try
                {
                    retiring.FlushSegments();
                }
                finally
                {
                    retiring.Stream.Dispose();
                }

                // Only once the segments are durable: if flushing failed, the file stays and is replayed on the next start.
                // Kept for recycling under another extension, so replay no longer reads it (should the rename be lost
                // in a crash, replaying it again only finds batches the segments already hold).
                bool keep;
                lock (_lock)
                {
                    keep = _recyclable is null && _file is not null;
                }

                if (keep)
                {
                    var recycle = Path.ChangeExtension(path, RecycleExtension);
                    File.Move(path, recycle, overwrite: true);
                    lock (_lock)
                    {
                        _recyclable = (recycle, new FileInfo(recycle).Length);
                    }
                }
                else
                {
                    File.Delete(path);
                }

                retiring.Done.TrySetResult();
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException or UnauthorizedAccessException)
            {
                _backgroundFailed?.Invoke(ex);
                retiring.Done.TrySetException(ex);
            }
        }
    }

    private void StartPreparingSpareLocked()
    {
        if (_spare is not null || _preparingSpare || _file is null || _stopped)
        {
            return;
        }

        _preparingSpare = true;
        var number = _fileNumber + 1;
        var capacity = Math.Min(Math.Max(_capacity * 2, FirstFileBytes), MaxFileBytes);
        _preparing = Task.Factory.StartNew(() => PrepareSpare(number, capacity), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void PrepareSpare(long number, long capacity)
    {
        JournalFile? prepared = null;
        try
        {
            (string Path, long Length)? recyclable;
            lock (_lock)
            {
                recyclable = _recyclable;
                _recyclable = null;
            }

            prepared = OpenFilled(number, capacity, recyclable);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _backgroundFailed?.Invoke(ex);
        }
        finally
        {
            lock (_lock)
            {
                _preparingSpare = false;
                if (prepared is not null && _file is not null && _spare is null && prepared.Number == _fileNumber + 1)
                {
                    _spare = prepared;
                    prepared = null;
                }
            }

            // Stopped (or rotated some other way) meanwhile: the file holds no entries.
            if (prepared is not null)
            {
                prepared.Stream.Dispose();
                File.Delete(prepared.Stream.Name);
            }
        }
    }

    /// <summary>
    /// A file named for <paramref name="number"/>, at least <paramref name="capacity"/> bytes long with that size and its
    /// blocks durable, and its name durable in the directory. Made from <paramref name="recyclable"/> when there is one
    /// (renamed; its stale entries carry older numbers), else created and zero-filled.
    /// </summary>
    private JournalFile OpenFilled(long number, long capacity, (string Path, long Length)? recyclable)
    {
        var path = PathOf(number);
        if (recyclable is { } old)
        {
            File.Move(old.Path, path);
            Interlocked.Increment(ref _recycled);
        }

        var stream = new FileStream(path, recyclable is null ? FileMode.CreateNew : FileMode.Open, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);
        try
        {
            var length = stream.Length;
            if (length < capacity)
            {
                var zeros = new byte[ZeroChunk];
                for (var at = length; at < capacity; at += ZeroChunk)
                {
                    RandomAccess.Write(stream.SafeFileHandle, zeros.AsSpan(0, (int)Math.Min(ZeroChunk, capacity - at)), at);
                }

                length = capacity;
            }

            stream.Flush(flushToDisk: true);
            DirectorySync.Sync(_directory);
            return new JournalFile(stream, number, length);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Replays every intact entry of the journal files left by the previous run, oldest first, through
    /// <paramref name="replay"/> (topic id, partition, batch); a torn or corrupt entry, zeros, or an entry of an older
    /// file (recycled) ends its file. Then fsyncs the segments (<paramref name="flushSegments"/>) and starts a file of
    /// its own, recycling the largest old one. Returns the entries replayed.
    /// </summary>
    public int Recover(Action<Guid, int, Memory<byte>> replay, Action flushSegments)
    {
        var files = Directory.GetFiles(_directory, "*" + Extension)
            .Select(f => (Path: f, Number: long.TryParse(Path.GetFileNameWithoutExtension(f), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1))
            .Where(f => f.Number >= 0)
            .OrderBy(f => f.Number)
            .ToList();
        var entries = 0;
        foreach (var (path, number) in files)
        {
            // An entry of an older number is a recycled file's stale content: this file ends there.
            JournalFrame.ReadIntact(File.ReadAllBytes(path), EntryHeader - JournalFrame.HeaderSize + RecordBatchHeader.Size, payload =>
            {
                if (BinaryPrimitives.ReadInt64BigEndian(payload.Span) != number)
                {
                    return false;
                }

                replay(new Guid(payload.Span[8..24], bigEndian: true), BinaryPrimitives.ReadInt32BigEndian(payload.Span[24..]), payload[28..]);
                entries++;
                return true;
            });
        }

        flushSegments();
        var old = files.Select(f => f.Path).Concat(Directory.GetFiles(_directory, "*" + RecycleExtension)).ToList();
        var keep = old.Select(path => (Path: path, Length: new FileInfo(path).Length)).OrderByDescending(f => f.Length).FirstOrDefault();
        foreach (var path in old)
        {
            if (path != keep.Path)
            {
                File.Delete(path);
            }
        }

        var next = (files.Count == 0 ? 0 : files[^1].Number) + 1;
        var first = OpenFilled(next, Math.Max(FirstFileBytes, keep.Length), keep.Path is null ? null : ((string, long)?)keep);
        lock (_lock)
        {
            _file = first.Stream;
            _handle = _file.SafeFileHandle;
            Volatile.Write(ref _fileNumber, first.Number);
            Volatile.Write(ref _capacity, first.Capacity);
            Volatile.Write(ref _filePosition, 0);
        }

        return entries;
    }

    private string PathOf(long number) => Path.Combine(_directory, number.ToString("D20", CultureInfo.InvariantCulture) + Extension);

    /// <summary>
    /// Waits for the spare being prepared and for every queued retirement, then ends the retirement thread. Called once
    /// the group-commit loop (the only caller of <see cref="RotateIfFull"/>) has stopped; safe to call again.
    /// </summary>
    public void StopBackground()
    {
        Task preparing;
        lock (_lock)
        {
            if (_stopped)
            {
                return;
            }

            _stopped = true;
            preparing = _preparing;
        }

        // Both end on their own and report their IO errors through backgroundFailed; a stop must not throw them
        // (WhenAny never faults), it only waits.
        Task.WhenAny(preparing).Wait();
        _retire.CompleteAdding();
        if (_retirement is { } retirement)
        {
            Task.WhenAny(retirement).Wait();
        }
    }

    /// <summary>After the segments were fsynced on a clean stop, the journal holds nothing they lack: its files go.</summary>
    public void DisposeAfterSegmentsFlushed()
    {
        StopBackground();
        lock (_lock)
        {
            foreach (var stream in new[] { _file, _spare?.Stream })
            {
                if (stream is not null)
                {
                    stream.Dispose();
                    File.Delete(stream.Name);
                }
            }

            if (_recyclable is { } recyclable)
            {
                File.Delete(recyclable.Path);
            }

            _file = null;
            _handle = null;
            _spare = null;
            _recyclable = null;
        }

        _retire.Dispose();
    }

    /// <summary>Closes the files and leaves them for the next start's <see cref="Recover"/> (as after a crash).</summary>
    public void Dispose()
    {
        StopBackground();
        lock (_lock)
        {
            _file?.Dispose();
            _spare?.Stream.Dispose();
            _file = null;
            _handle = null;
            _spare = null;
        }

        _retire.Dispose();
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

/// <summary>
/// fsync(2) of a directory, so a file created or renamed in it is still there, under that name, after a power loss.
/// .NET cannot open a directory as a file, hence libc. A no-op off Unix, where directories need no such step.
/// </summary>
internal static partial class DirectorySync
{
    private const int ReadOnly = 0;

    public static void Sync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = open(directory, ReadOnly);
        if (fd < 0)
        {
            throw new IOException($"open({directory}) failed with errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}");
        }

        try
        {
            if (fsync(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed with errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}");
            }
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int open(string path, int flags);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int close(int fd);
}
