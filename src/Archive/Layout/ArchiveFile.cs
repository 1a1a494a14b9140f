using System.Globalization;
using System.Text.RegularExpressions;

namespace CryptoStreams.Archive.Layout;

/// <summary>
/// One published archive file: <c>&lt;topic&gt;/date=YYYY-MM-DD/hour=HH/&lt;partition&gt;-&lt;first offset&gt;-&lt;last offset&gt;.parquet</c>.
/// The Hive-style <c>date=</c>/<c>hour=</c> folders let DuckDB, Spark, Polars and pyarrow prune by time; the offset
/// range in the name is what the archive resumes from, and what makes "no gap, no duplicate" checkable with <c>ls</c>.
/// </summary>
/// <param name="Topic">The raw topic.</param>
/// <param name="Partition">Its partition.</param>
/// <param name="FirstOffset">Offset of the file's first record.</param>
/// <param name="LastOffset">Offset of its last record (inclusive).</param>
/// <param name="Hour">The UTC hour of the file's first record's timestamp (the event time on raw topics).</param>
public sealed partial record ArchiveFile(string Topic, int Partition, long FirstOffset, long LastOffset, DateTime Hour)
{
    public const string Extension = ".parquet";

    /// <summary>The path under the archive root (or the key under the S3 prefix), with <c>/</c> separators.</summary>
    public string RelativePath => string.Create(
        CultureInfo.InvariantCulture, $"{Topic}/date={Hour:yyyy-MM-dd}/hour={Hour:HH}/{Partition}-{FirstOffset}-{LastOffset}{Extension}");

    /// <summary>The hour folder a record with this timestamp belongs to.</summary>
    public static DateTime HourOf(DateTimeOffset timestamp)
    {
        var utc = timestamp.UtcDateTime;
        return new DateTime(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, DateTimeKind.Utc);
    }

    /// <summary>Reads a relative path (or key) back; false for anything that is not a published archive file.</summary>
    public static bool TryParse(string relativePath, out ArchiveFile file)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var match = PathPattern().Match(relativePath.Replace('\\', '/'));
        if (match.Success
            && DateTime.TryParseExact(match.Groups["date"].Value + " " + match.Groups["hour"].Value, "yyyy-MM-dd HH", CultureInfo.InvariantCulture,
                DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var hour)
            && int.TryParse(match.Groups["partition"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var partition)
            && long.TryParse(match.Groups["first"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            && long.TryParse(match.Groups["last"].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            && first <= last)
        {
            file = new ArchiveFile(match.Groups["topic"].Value, partition, first, last, DateTime.SpecifyKind(hour, DateTimeKind.Utc));
            return true;
        }

        file = null!;
        return false;
    }

    [GeneratedRegex(@"(?:^|/)(?<topic>[A-Za-z0-9._-]+)/date=(?<date>\d{4}-\d{2}-\d{2})/hour=(?<hour>\d{2})/(?<partition>\d+)-(?<first>\d+)-(?<last>\d+)\.parquet$", RegexOptions.CultureInvariant)]
    private static partial Regex PathPattern();
}

/// <summary>A topic's partition, as the archive tracks it.</summary>
public readonly record struct ArchivePartition(string Topic, int Partition)
{
    public override string ToString() => $"{Topic}[{Partition}]";
}

/// <summary>Where each partition resumes: one past the highest last offset among the published files.</summary>
public static class ResumePositions
{
    public static IReadOnlyDictionary<ArchivePartition, long> From(IEnumerable<ArchiveFile> published)
    {
        ArgumentNullException.ThrowIfNull(published);
        var next = new Dictionary<ArchivePartition, long>();
        foreach (var file in published)
        {
            var key = new ArchivePartition(file.Topic, file.Partition);
            if (!next.TryGetValue(key, out var at) || file.LastOffset + 1 > at)
            {
                next[key] = file.LastOffset + 1;
            }
        }

        return next;
    }
}
