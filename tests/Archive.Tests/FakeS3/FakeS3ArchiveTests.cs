using CryptoStreams.Archive.Layout;
using CryptoStreams.Archive.Tests.Support;

namespace CryptoStreams.Archive.Tests.FakeS3;

/// <summary>
/// The S3 destination end to end with AWSSDK.S3 against <see cref="FakeS3Server"/> (a fake: no S3-compatible server
/// can be installed here): uploads under the prefix in the archive's layout, resume from the bucket's listing after a
/// restart, and failures (500 on upload, the store down) that lose nothing and show in the status and the metrics.
/// </summary>
public sealed class FakeS3ArchiveTests(FakeS3ArchiveRun run) : IClassFixture<FakeS3ArchiveRun>
{
    [Fact]
    public void Fake_S3_objects_tile_every_partition_with_no_gap_and_no_overlap_across_failures_and_a_restart()
    {
        var expected = run.OnTopics.GroupBy(r => (r.Topic, r.Partition)).ToDictionary(g => g.Key, g => g.Max(r => r.Offset) + 1);
        var files = run.Published.GroupBy(f => (f.Topic, f.Partition)).ToDictionary(g => g.Key, g => g.OrderBy(f => f.FirstOffset).ToList());
        Assert.Equal(expected.Keys.Order(), files.Keys.Order());
        foreach (var (partition, end) in expected)
        {
            var next = 0L;
            foreach (var file in files[partition])
            {
                Assert.True(file.FirstOffset == next, $"{partition}: object {file.RelativePath} starts at {file.FirstOffset}, expected {next}");
                next = file.LastOffset + 1;
            }

            Assert.Equal(end, next);
        }

        Assert.All(run.S3.Objects.Keys, key => Assert.StartsWith(FakeS3ArchiveRun.Prefix, key, StringComparison.Ordinal));
        // The SDK's default upload framing over plain HTTP, which the fake (like MinIO) decodes: see S3ArchiveDestination.
        Assert.True(run.S3.PayloadModes.Keys.All(m => m.StartsWith("STREAMING-", StringComparison.Ordinal)), string.Join(", ", run.S3.PayloadModes.Keys));
        Assert.All(run.S3.ContentTypes.Values, type => Assert.Equal("application/vnd.apache.parquet", type));
        // More objects than one listing page: resuming after the restart had to follow continuation tokens.
        Assert.True(run.S3.Objects.Count > run.S3.PageSize, $"{run.S3.Objects.Count} objects");
    }

    [Fact]
    public void Fake_S3_objects_read_back_with_ParquetSharp_equal_the_records_on_the_topics()
    {
        var onTopics = run.OnTopics.ToDictionary(r => (r.Topic, r.Partition, r.Offset));
        var folder = Directory.CreateTempSubdirectory("cs-archive-s3-read-").FullName;
        try
        {
            var seen = 0;
            foreach (var file in run.Published)
            {
                foreach (var row in ParquetSharpFiles.Read(run.Download(file, folder)))
                {
                    var offset = (long)row["offset"]!;
                    Assert.InRange(offset, file.FirstOffset, file.LastOffset);
                    foreach (var (column, value) in ExpectedRows.For(onTopics[(file.Topic, file.Partition, offset)]))
                    {
                        Assert.True(Equals(value, row[column]), $"{file.RelativePath} offset {offset} column {column}: expected {value ?? "null"}, read {row[column] ?? "null"}");
                    }

                    seen++;
                }
            }

            Assert.Equal(run.OnTopics.Count, seen);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Fake_S3_answering_500_to_uploads_keeps_the_file_staged_and_shows_retrying_in_status_and_metrics()
    {
        var status = run.WhileUploadsFailed;
        Assert.Equal(ArchiveState.Retrying, status.State);
        Assert.Contains("internal error", status.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(0, status.Files);
        Assert.Equal(0, run.ObjectsWhileUploadsFailed);
        // The finished file waits in staging for the next attempt; its offsets were not committed.
        Assert.True(run.StagedWhileUploadsFailed > 0, "no staged file while uploads failed");
        Assert.True(run.FailuresCounted > 0, "cryptostreams.archive.failures did not count the failed attempts");
    }

    [Fact]
    public void Fake_S3_down_at_start_up_shows_retrying_until_it_is_back_then_the_archive_runs_on()
    {
        Assert.Equal(ArchiveState.Retrying, run.WhileStoreDown.State);
        Assert.False(string.IsNullOrEmpty(run.WhileStoreDown.LastError));
        Assert.Equal(ArchiveState.Stopped, run.AtTheEnd.State);
        Assert.Null(run.AtTheEnd.LastError);
        // The restarted archive's books: exactly the objects it added, holding the second wave.
        Assert.Equal(run.S3.Objects.Count - run.ObjectsBeforeRestart, run.AtTheEnd.Files);
        Assert.Equal(run.OnTopics.Count - run.RowsBeforeRestart, run.AtTheEnd.Rows);
    }
}
