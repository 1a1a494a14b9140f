using CryptoStreams.Broker.Log;

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
        using (var journal = new CommitJournal(_directory, rotateBytes: long.MaxValue))
        {
            Assert.Empty(Replayed(journal));
            for (var i = 0; i < batches.Count; i++)
            {
                journal.Append(topic, i % 2, batches[i]);
            }

            journal.Sync();
            Assert.False(journal.NeedsSync);
        }

        // A crash in the middle of the last write: its entry is incomplete and must not be replayed.
        var file = Directory.GetFiles(_directory).Single();
        using (var stream = new FileStream(file, FileMode.Open, FileAccess.Write))
        {
            stream.SetLength(stream.Length - 3);
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
}
