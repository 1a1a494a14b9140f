using System.Globalization;
using CryptoStreams.Archive.Layout;
using Parquet;

namespace CryptoStreams.Archive.Parquet;

/// <summary>
/// The file one partition is writing: rows are buffered, written as row groups to a staged file, and on
/// <see cref="FinishAsync"/> the footer is written and the file fsynced, ready to publish under its offset range.
/// </summary>
internal sealed class StagedFile : IAsyncDisposable
{
    private readonly IArchiveTable table;
    private readonly IRowBuffer buffer;
    private readonly FileStream stream;
    private ParquetWriter? writer;
    private ArchiveFile? finished;
    private long finishedBytes;

    private StagedFile(IArchiveTable table, ArchivePartition partition, string path, FileStream stream, long firstOffset, DateTime hour, DateTimeOffset openedAt)
    {
        this.table = table;
        this.stream = stream;
        buffer = table.NewBuffer();
        Partition = partition;
        Path = path;
        FirstOffset = firstOffset;
        LastOffset = firstOffset - 1;
        Hour = hour;
        OpenedAt = openedAt;
    }

    public ArchivePartition Partition { get; }

    public string Path { get; }

    public long FirstOffset { get; }

    public long LastOffset { get; private set; }

    public DateTime Hour { get; }

    public DateTimeOffset OpenedAt { get; }

    public long Rows { get; private set; }

    /// <summary>Bytes written to the staged file so far (row groups flushed).</summary>
    public long Bytes => finished is null ? stream.Length : finishedBytes;

    public int BufferedRows => buffer.Count;

    /// <summary>The staged name of a partition's file: <c>_staging/&lt;topic&gt;/&lt;partition&gt;-&lt;first offset&gt;.parquet.tmp</c>.</summary>
    public static string StagedPath(string stagingDirectory, ArchivePartition partition, long firstOffset) =>
        System.IO.Path.Combine(stagingDirectory, partition.Topic, string.Create(CultureInfo.InvariantCulture, $"{partition.Partition}-{firstOffset}.parquet.tmp"));

    /// <summary>Deletes a partition's staged files left by a crash (the records are read again from the published position).</summary>
    public static int DeleteStale(string stagingDirectory, ArchivePartition partition)
    {
        var folder = System.IO.Path.Combine(stagingDirectory, partition.Topic);
        if (!Directory.Exists(folder))
        {
            return 0;
        }

        var stale = Directory.GetFiles(folder, string.Create(CultureInfo.InvariantCulture, $"{partition.Partition}-*.parquet.tmp"));
        foreach (var path in stale)
        {
            File.Delete(path);
        }

        return stale.Length;
    }

    public static StagedFile Open(string stagingDirectory, ArchivePartition partition, long firstOffset, DateTimeOffset firstTimestamp, DateTimeOffset now)
    {
        var path = StagedPath(stagingDirectory, partition, firstOffset);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        return new StagedFile(ArchiveTables.For(partition.Topic), partition, path, stream, firstOffset, ArchiveFile.HourOf(firstTimestamp), now);
    }

    /// <summary>Buffers one record; a value that is not a valid record throws <see cref="Schema.Serialization.RecordFormatException"/> and is not added.</summary>
    public void Add(long offset, DateTimeOffset timestamp, byte[]? key, byte[] value)
    {
        buffer.Add(Partition.Topic, Partition.Partition, offset, timestamp, key, value);
        LastOffset = offset;
        Rows++;
    }

    /// <summary>An offset that was consumed but not archived (a dead letter): the file's range still covers it.</summary>
    public void Skip(long offset) => LastOffset = offset;

    /// <summary>Writes the buffered rows to the staged file as one row group.</summary>
    public async Task FlushRowGroupAsync(CancellationToken cancellationToken)
    {
        if (buffer.Count == 0)
        {
            return;
        }

        writer ??= await ParquetWriter.CreateAsync(table.Schema, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        await buffer.FlushAsync(writer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the last row group and the footer, fsyncs, and closes; the file is then complete on disk.</summary>
    public async Task<ArchiveFile> FinishAsync(CancellationToken cancellationToken)
    {
        if (finished is not null)
        {
            // A publish that failed is retried with the file as it was finished.
            return finished;
        }

        await FlushRowGroupAsync(cancellationToken).ConfigureAwait(false);
        writer ??= await ParquetWriter.CreateAsync(table.Schema, stream, cancellationToken: cancellationToken).ConfigureAwait(false);
        await writer.DisposeAsync().ConfigureAwait(false);
        writer = null;
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        stream.Flush(flushToDisk: true);
        finishedBytes = stream.Length;
        await stream.DisposeAsync().ConfigureAwait(false);
        finished = new ArchiveFile(Partition.Topic, Partition.Partition, FirstOffset, LastOffset, Hour);
        return finished;
    }

    /// <summary>Drops the file unpublished (partitions lost, or a failure): its records are read again from the published position.</summary>
    public async ValueTask DisposeAsync()
    {
        if (writer is not null)
        {
            try
            {
                await writer.DisposeAsync().ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
            }
        }

        await stream.DisposeAsync().ConfigureAwait(false);
    }

    public void Delete()
    {
        if (File.Exists(Path))
        {
            File.Delete(Path);
        }
    }
}
