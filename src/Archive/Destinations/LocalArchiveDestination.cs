using System.Globalization;
using System.Runtime.InteropServices;
using CryptoStreams.Archive.Layout;

namespace CryptoStreams.Archive.Destinations;

/// <summary>
/// A local folder (the default, <c>.data/archive</c>). Files are staged in <c>_staging</c> inside it, so publishing is a
/// rename on one file system; query engines skip folders starting with <c>_</c>, and the staged names do not end in
/// <c>.parquet</c> anyway.
/// </summary>
public sealed class LocalArchiveDestination : IArchiveDestination
{
    private readonly string root;

    public LocalArchiveDestination(string root)
    {
        this.root = Path.GetFullPath(root);
        StagingDirectory = Path.Combine(this.root, "_staging");
    }

    public string Description => root;

    public string StagingDirectory { get; }

    public Task<IReadOnlyList<ArchiveFile>> ListAsync(string topic, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(root, topic);
        IReadOnlyList<ArchiveFile> files = !Directory.Exists(folder)
            ? []
            : [.. Directory.EnumerateFiles(folder, "*" + ArchiveFile.Extension, SearchOption.AllDirectories)
                .Select(path => ArchiveFile.TryParse(Path.GetRelativePath(root, path), out var file) ? file : null)
                .OfType<ArchiveFile>()];
        return Task.FromResult(files);
    }

    public Task PublishAsync(string stagedPath, ArchiveFile file, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(file);
        var target = Path.Combine(root, file.RelativePath.Replace('/', Path.DirectorySeparatorChar));
        var folder = Path.GetDirectoryName(target)!;
        var created = !Directory.Exists(folder);
        Directory.CreateDirectory(folder);
        // Never over an existing file: the same range twice would mean two writers on one partition.
        File.Move(stagedPath, target, overwrite: false);
        // The rename is durable only once the folder holding the new name is synced (and a new folder, its parent…).
        DirectorySync.Sync(folder);
        if (created)
        {
            for (var parent = Path.GetDirectoryName(folder); parent is not null && parent.Length >= root.Length; parent = Path.GetDirectoryName(parent))
            {
                DirectorySync.Sync(parent);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// fsync(2) of a folder so a rename into it survives a power loss; .NET cannot open a directory as a file, hence libc
/// (the broker's log has the same need and its own copy: stages share only the Schema project).
/// </summary>
internal static class DirectorySync
{
    public static void Sync(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(directory, 0);
        if (fd < 0)
        {
            throw new IOException($"open({directory}) failed with errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"fsync({directory}) failed with errno {Marshal.GetLastPInvokeError().ToString(CultureInfo.InvariantCulture)}");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true, CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open(string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
