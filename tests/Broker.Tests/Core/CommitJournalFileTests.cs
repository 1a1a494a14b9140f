using CryptoStreams.Broker.Log;
using CryptoStreams.TestSupport;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>The commit journal's files on their own: replay order, torn tails, and rotation only after the segments are durable.</summary>
public sealed class CommitJournalFileTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "broker-journal-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static List<(Guid Topic, int Partition, byte[] Batch)> Replayed(CommitJournal journal)
    {
        var seen = new List<(Guid, int, byte[])>();
        journal.Recover((topic, partition, batch) => seen.Add((topic, partition, batch.ToArray())), () => { });
        return seen;
    }

    [Fact]
    public void Entries_are_replayed_in_append_order_and_a_torn_tail_ends_the_file()
    {
        var topic = Guid.NewGuid();
        var batches = Enumerable.Range(1, 5).Select(n => LogRecoveryTests.Batch(n)).ToList();
        long entriesEnd;
        using (var journal = new CommitJournal(_directory, rotateBytes: long.MaxValue))
        {
            Assert.Empty(Replayed(journal));
            for (var i = 0; i < batches.Count; i++)
            {
                journal.Append(topic, i % 2, batches[i]);
            }

            journal.Sync();
            Assert.False(journal.NeedsSync);
            entriesEnd = journal.Size;
        }

        // A crash in the middle of the last write: its entry is incomplete and must not be replayed.
        var file = Directory.GetFiles(_directory).Single();
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(entriesEnd - 3);
        }

        using var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        var replayed = Replayed(reopened);
        Assert.Equal(batches.Count - 1, replayed.Count);
        for (var i = 0; i < replayed.Count; i++)
        {
            Assert.Equal((topic, i % 2), (replayed[i].Topic, replayed[i].Partition));
            Assert.Equal(batches[i], replayed[i].Batch);
        }
    }

    [Fact]
    public void A_full_file_is_deleted_only_after_the_segments_were_flushed_and_later_entries_still_replay()
    {
        var topic = Guid.NewGuid();
        var early = LogRecoveryTests.Batch(3);
        var late = LogRecoveryTests.Batch(4);
        using (var journal = new CommitJournal(_directory, rotateBytes: early.Length))
        {
            Replayed(journal);
            journal.Append(topic, 0, early);
            journal.Sync();
            var filesWhileFlushing = -1;
            journal.RotateIfFull(() => filesWhileFlushing = Directory.GetFiles(_directory).Length);
            Assert.Equal(2, filesWhileFlushing);
            Assert.Single(Directory.GetFiles(_directory));

            journal.Append(topic, 1, late);
            journal.Sync();
        }

        using var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        var replayed = Replayed(reopened);
        Assert.Equal([(topic, 1)], replayed.Select(r => (r.Topic, r.Partition)));
        Assert.Equal(late, replayed[0].Batch);
    }

    [Fact]
    public void A_failed_segment_flush_keeps_the_full_file_for_the_next_start()
    {
        var topic = Guid.NewGuid();
        var batch = LogRecoveryTests.Batch(2);
        using (var journal = new CommitJournal(_directory, rotateBytes: 1))
        {
            Replayed(journal);
            journal.Append(topic, 0, batch);
            journal.Sync();
            Assert.Throws<IOException>(() => journal.RotateIfFull(() => throw new IOException("disk full")));
        }

        using var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        Assert.Equal([(topic, 0)], Replayed(reopened).Select(r => (r.Topic, r.Partition)));
    }

    [Fact]
    public async Task The_file_is_zero_filled_ahead_of_the_entries_and_replay_ends_at_the_zeros()
    {
        var topic = Guid.NewGuid();
        var batches = Enumerable.Range(1, 40).Select(n => LogRecoveryTests.Batch(1 + (n % 7))).ToList();
        using (var journal = new CommitJournal(_directory, rotateBytes: long.MaxValue))
        {
            Replayed(journal);
            journal.Append(topic, 0, batches[0]);
            await Eventually.HoldsAsync(() => journal.DurableLength > journal.Size, "the zero fill is durable beyond the first entry");
            foreach (var batch in batches.Skip(1))
            {
                journal.Append(topic, 3, batch);
            }

            journal.Sync();
            Assert.False(journal.NeedsSync);
            if (OperatingSystem.IsLinux())
            {
                // Entries inside the durable fill change no metadata: the round used fdatasync.
                Assert.True(journal.SyncCounts.DataOnly >= 1, $"data-only syncs {journal.SyncCounts}");
            }

            var file = Directory.GetFiles(_directory).Single();
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.True(bytes.Length > journal.Size, $"file {bytes.Length} B, entries {journal.Size} B");
            Assert.All(bytes.Skip((int)journal.Size), b => Assert.Equal(0, b));
        }

        // Stopped without the clean-stop cleanup (as after kill -9): the file still has its zero tail.
        using var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        var replayed = Replayed(reopened);
        Assert.Equal(batches, replayed.Select(r => r.Batch));
        Assert.Equal(Enumerable.Range(0, batches.Count).Select(i => i == 0 ? 0 : 3), replayed.Select(r => r.Partition));
    }

    [Fact]
    public async Task A_torn_write_inside_the_zero_fill_drops_only_that_entry_and_the_next_run_appends_after_replay()
    {
        var topic = Guid.NewGuid();
        var batches = Enumerable.Range(1, 6).Select(n => LogRecoveryTests.Batch(n)).ToList();
        long lastEntryStart;
        long entriesEnd;
        using (var journal = new CommitJournal(_directory, rotateBytes: long.MaxValue))
        {
            Replayed(journal);
            journal.Append(topic, 1, batches[0]);
            await Eventually.HoldsAsync(() => journal.DurableLength > journal.Size, "the zero fill is durable");
            lastEntryStart = journal.Size;
            for (var i = 1; i < batches.Count; i++)
            {
                lastEntryStart = journal.Size;
                journal.Append(topic, 1, batches[i]);
            }

            journal.Sync();
            entriesEnd = journal.Size;
        }

        // Only the first part of the last entry reached the disk: the rest of it reads as the fill's zeros.
        var file = Directory.GetFiles(_directory).Single();
        var length = new FileInfo(file).Length;
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            var torn = lastEntryStart + ((entriesEnd - lastEntryStart) / 2);
            stream.Position = torn;
            stream.Write(new byte[entriesEnd - torn]);
        }

        Assert.Equal(length, new FileInfo(file).Length);
        using (var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue))
        {
            Assert.Equal(batches.Take(batches.Count - 1), Replayed(reopened).Select(r => r.Batch));
            reopened.Append(topic, 2, batches[^1]);
            reopened.Sync();
        }

        // The replayed file was deleted; the new run's entry is all that a third start sees.
        using var third = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        var replayed = Replayed(third);
        Assert.Equal([(topic, 2)], replayed.Select(r => (r.Topic, r.Partition)));
        Assert.Equal(batches[^1], replayed[0].Batch);
    }
}
