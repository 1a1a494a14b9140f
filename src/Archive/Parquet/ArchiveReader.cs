using CryptoStreams.Archive.Layout;

namespace CryptoStreams.Archive.Parquet;

/// <summary>
/// Reads a local archive back (<c>replay --archive</c>): every published file of every archived topic, as records in
/// event-time order (the Kafka timestamp, which the raw topics set to the event time; ties by topic, partition,
/// offset). It holds the selected rows in memory: select the hours to replay with a time range, not years at once.
/// </summary>
public static class ArchiveReader
{
    public static Task<IReadOnlyList<ArchivedRow<object>>> ReadAsync(string root, CancellationToken cancellationToken) =>
        ReadAsync(root, null, null, cancellationToken);

    /// <summary>The records with <paramref name="from"/> &lt;= timestamp &lt; <paramref name="to"/> (either bound optional).</summary>
    public static async Task<IReadOnlyList<ArchivedRow<object>>> ReadAsync(string root, DateTimeOffset? from, DateTimeOffset? to, CancellationToken cancellationToken)
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
                // A file holds records before the end of its hour folder's hour (a later hour starts a new file), so
                // a folder that ends before the range is skipped unread. Late records may sit in a later folder, so
                // the upper bound is applied per row only.
                if (!ArchiveFile.TryParse(Path.GetRelativePath(root, path), out var file) || (from is { } start && file.Hour.AddHours(1) <= start))
                {
                    continue;
                }

                var stream = File.OpenRead(path);
                await using (stream.ConfigureAwait(false))
                {
                    try
                    {
                        var read = await table.ReadAsync(stream, cancellationToken).ConfigureAwait(false);
                        rows.AddRange(read.Where(r => (from is null || r.Timestamp >= from) && (to is null || r.Timestamp < to)));
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
