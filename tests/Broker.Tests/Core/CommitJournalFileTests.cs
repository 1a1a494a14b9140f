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

    /// <summary>Rotates once a spare is ready (preparing one happens on its own thread) and returns the retirement.</summary>
    private static async Task<Task> RotateAsync(CommitJournal journal, Action flushSegments)
    {
        Task? retirement = null;
        await Eventually.HoldsAsync(() => (retirement = journal.RotateIfFull(flushSegments)) is not null, "the journal rotates once its spare file is ready");
        return retirement!;
    }

    [Fact]
    public async Task A_full_file_is_retired_only_after_the_segments_were_flushed_and_rotation_does_not_wait_for_that()
    {
        var topic = Guid.NewGuid();
        var early = LogRecoveryTests.Batch(3);
        var late = LogRecoveryTests.Batch(4);
        using (var journal = new CommitJournal(_directory, rotateBytes: early.Length))
        {
            Replayed(journal);
            var first = journal.FileNumber;
            journal.Append(topic, 0, early);
            journal.Sync();
            using var flushing = new ManualResetEventSlim();
            using var release = new ManualResetEventSlim();
            string[] journalsWhileFlushing = [];
            var retirement = await RotateAsync(journal, () =>
            {
                journalsWhileFlushing = Directory.GetFiles(_directory, "*.journal");
                flushing.Set();
                release.Wait();
            });

            // Group commit goes on in the new file while the segments are still being flushed.
            Assert.Equal(first + 1, journal.FileNumber);
            Assert.True(flushing.Wait(TimeSpan.FromSeconds(30)), "the retirement thread flushes the segments");
            journal.Append(topic, 1, late);
            journal.Sync();
            Assert.False(retirement.IsCompleted);
            Assert.Equal(2, journalsWhileFlushing.Length);
            release.Set();
            await retirement;
            Assert.Single(Directory.GetFiles(_directory, "*.journal"));
        }

        using var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        var replayed = Replayed(reopened);
        Assert.Equal([(topic, 1)], replayed.Select(r => (r.Topic, r.Partition)));
        Assert.Equal(late, replayed[0].Batch);
    }

    [Fact]
    public async Task A_failed_segment_flush_keeps_the_full_file_for_the_next_start_and_is_reported()
    {
        var topic = Guid.NewGuid();
        var batch = LogRecoveryTests.Batch(2);
        var reported = new List<Exception>();
        using (var journal = new CommitJournal(_directory, rotateBytes: 1, ex =>
        {
            lock (reported)
            {
                reported.Add(ex);
            }
        }))
        {
            Replayed(journal);
            journal.Append(topic, 0, batch);
            journal.Sync();
            var retirement = await RotateAsync(journal, () => throw new IOException("disk full"));
            await Assert.ThrowsAsync<IOException>(() => retirement);
            lock (reported)
            {
                Assert.Equal("disk full", Assert.Single(reported).Message);
            }
        }

        using var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        Assert.Equal([(topic, 0)], Replayed(reopened).Select(r => (r.Topic, r.Partition)));
    }

    [Fact]
    public async Task A_retired_file_is_recycled_as_a_later_file_and_its_stale_entries_are_never_replayed()
    {
        var topic = Guid.NewGuid();
        // Same length as the stale entries, so after the new entry, replay lands exactly on a stale one with a valid
        // CRC: only its older file number stops it.
        var stale = Enumerable.Range(0, 3).Select(_ => LogRecoveryTests.Batch(2)).ToList();
        var middle = LogRecoveryTests.Batch(5);
        var fresh = LogRecoveryTests.Batch(2);
        fresh[^1] ^= 0x5A;
        using (var journal = new CommitJournal(_directory, rotateBytes: 1))
        {
            Replayed(journal);
            foreach (var batch in stale)
            {
                journal.Append(topic, 0, batch);
            }

            journal.Sync();
            await await RotateAsync(journal, () => { });
            journal.Append(topic, 1, middle);
            journal.Sync();
            await await RotateAsync(journal, () => { });
            Assert.Equal(1, journal.Recycled);
            journal.Append(topic, 2, fresh);
            journal.Sync();
        }

        // Stopped without the clean-stop cleanup (as after kill -9): file 3 is file 1 renamed, with file 1's entries after the new one.
        using var reopened = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        var replayed = Replayed(reopened);
        Assert.Equal([(topic, 2)], replayed.Select(r => (r.Topic, r.Partition)));
        Assert.Equal(fresh, replayed[0].Batch);
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
