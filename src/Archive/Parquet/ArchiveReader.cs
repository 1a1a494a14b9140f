using CryptoStreams.Archive.Layout;

namespace CryptoStreams.Archive.Parquet;

/// <summary>
/// Reads a local archive back (<c>replay --archive</c>): every published file of every archived topic, as records in
/// event-time order (the Kafka timestamp, which the raw topics set to the event time; ties by topic, partition,
/// offset). It holds the selected files in memory: point it at a copy of the days to replay, not years at once.
/// </summary>
public static class ArchiveReader
{
    public static async Task<IReadOnlyList<ArchivedRow<object>>> ReadAsync(string root, CancellationToken cancellationToken)
    {
        var rows = new List<ArchivedRow<object>>();
        foreach (var topic in ArchiveTables.Topics)
        {
            var folder = Path.Combine(root, topic);
            if (!Directory.Exists(folder))
            {
                continue;
            }

            var table = ArchiveTables.For(topic);
            foreach (var path in Directory.EnumerateFiles(folder, "*" + ArchiveFile.Extension, SearchOption.AllDirectories))
            {
                if (!ArchiveFile.TryParse(Path.GetRelativePath(root, path), out _))
                {
                    continue;
                }

                var stream = File.OpenRead(path);
                await using (stream.ConfigureAwait(false))
                {
                    try
                    {
                        rows.AddRange(await table.ReadAsync(stream, cancellationToken).ConfigureAwait(false));
                    }
                    catch (InvalidDataException ex)
                    {
                        throw new InvalidDataException($"{path}: {ex.Message}", ex);
                    }
                }
            }
        }

        rows.Sort(static (a, b) =>
        {
            var byTime = a.Timestamp.CompareTo(b.Timestamp);
            if (byTime != 0)
            {
                return byTime;
            }

            var byTopic = string.CompareOrdinal(a.Topic, b.Topic);
            return byTopic != 0 ? byTopic : a.Partition != b.Partition ? a.Partition.CompareTo(b.Partition) : a.Offset.CompareTo(b.Offset);
        });
        return rows;
    }
}
