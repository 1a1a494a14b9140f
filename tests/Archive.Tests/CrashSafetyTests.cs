using CryptoStreams.Archive.Layout;
using CryptoStreams.Archive.Tests.Support;

namespace CryptoStreams.Archive.Tests;

/// <summary>
/// SIGKILL of the archive process at random moments, then a run to the end: the published files hold every record of
/// the topics exactly once, and read back with another Parquet implementation they equal the records field by field.
/// </summary>
public sealed class CrashSafetyTests(CrashedArchiveRun run) : IClassFixture<CrashedArchiveRun>
{
    [Fact]
    public void After_SIGKILLs_the_published_offset_ranges_tile_every_partition_with_no_gap_and_no_overlap()
    {
        Assert.Equal(4, run.Kills);
        var expected = run.OnTopics.GroupBy(r => (r.Topic, r.Partition)).ToDictionary(g => g.Key, g => g.Max(r => r.Offset) + 1);
        var files = run.Published.GroupBy(f => (f.Topic, f.Partition)).ToDictionary(g => g.Key, g => g.OrderBy(f => f.FirstOffset).ToList());
        Assert.Equal(expected.Keys.OrderBy(k => k), files.Keys.OrderBy(k => k));
        foreach (var (partition, end) in expected)
        {
            var next = 0L;
            foreach (var file in files[partition])
            {
                Assert.True(file.FirstOffset == next, $"{partition}: file {file.RelativePath} starts at {file.FirstOffset}, expected {next} (seed {run.Seed})");
                next = file.LastOffset + 1;
            }

            Assert.Equal(end, next);
        }

        // A clean stop publishes what it has; staged leftovers of the killed runs were deleted on assignment.
        var staging = Path.Combine(run.Root, "_staging");
        Assert.Empty(Directory.Exists(staging) ? Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories) : []);
    }

    [Fact]
    public void Read_back_with_ParquetSharp_the_files_equal_the_records_on_the_topics_field_by_field()
    {
        var onTopics = run.OnTopics.ToDictionary(r => (r.Topic, r.Partition, r.Offset));
        var seen = 0;
        foreach (var file in run.Published)
        {
            var rows = ParquetSharpFiles.Read(run.PathOf(file));
            Assert.Equal(file.LastOffset - file.FirstOffset + 1, rows.Count);
            foreach (var row in rows)
            {
                var offset = (long)row["offset"]!;
                Assert.InRange(offset, file.FirstOffset, file.LastOffset);
                var expected = ExpectedRows.For(onTopics[(file.Topic, file.Partition, offset)]);
                Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), row.Keys.Order(StringComparer.Ordinal));
                foreach (var (column, value) in expected)
                {
                    Assert.True(Equals(value, row[column]), $"{file.RelativePath} offset {offset} column {column}: expected {value ?? "null"}, read {row[column] ?? "null"}");
                }

                seen++;
            }

            var hour = ArchiveFile.HourOf((DateTime)rows[0]["kafka_timestamp"]!);
            Assert.Equal(file.Hour, hour);
        }

        Assert.Equal(run.OnTopics.Count, seen);
        // The awkward prices made it: the largest decimal, the finest scale, and trailing zeros.
        var prices = run.Published.Where(f => f.Topic == "raw.binance").SelectMany(f => ParquetSharpFiles.Read(run.PathOf(f))).Select(r => (string)r["price"]!).ToHashSet();
        Assert.Contains("79228162514264337593543950335", prices);
        Assert.Contains("0.0000000000000000000000000001", prices);
        Assert.Contains("94312.01000000", prices);
    }
}
