using CryptoStreams.Archive.Layout;

namespace CryptoStreams.Archive.Destinations;

/// <summary>
/// Where published archive files live. A file is built in <see cref="StagingDirectory"/> first; <see cref="PublishAsync"/>
/// makes it visible under its final name in one step (a rename, or one S3 PUT), so a reader never sees part of a file
/// and a crash leaves at most a staged file, which is never listed.
/// </summary>
public interface IArchiveDestination
{
    /// <summary>For logs and status: a folder or <c>s3://bucket/prefix</c>.</summary>
    string Description { get; }

    /// <summary>A local folder for files being written; on the same file system as the archive for local destinations.</summary>
    string StagingDirectory { get; }

    /// <summary>Every published file of a topic (the resume position is derived from their names).</summary>
    Task<IReadOnlyList<ArchiveFile>> ListAsync(string topic, CancellationToken cancellationToken);

    /// <summary>
    /// Publishes the staged file (already complete and fsynced) as <paramref name="file"/>; when this returns the file
    /// is durable and visible, and the staged copy is gone.
    /// </summary>
    Task PublishAsync(string stagedPath, ArchiveFile file, CancellationToken cancellationToken);
}
