using CryptoStreams.Broker.Log;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>The group-commit loop on its own: every waiting request is answered once its entry is durable, and rounds are reported.</summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "broker-groupcommit-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Every_waiting_request_completes_after_a_sync_that_covers_it_and_each_round_is_reported()
    {
        var topic = Guid.NewGuid();
        using var journal = new CommitJournal(_directory, rotateBytes: long.MaxValue);
        journal.Recover((_, _, _) => { }, () => { });
        var rounds = new List<int>();
        var waiting = new List<Task>();
        using (var flusher = new LogFlusher(journal, () => { }, (_, requests) =>
        {
            lock (rounds)
            {
                rounds.Add(requests);
            }
        }))
        {
            for (var i = 0; i < 50; i++)
            {
                journal.Append(topic, i % 4, LogRecoveryTests.Batch(1 + (i % 3)));
                var written = journal.Progress.Written;
                // When the request is answered, the journal must have been synced past its entry.
                waiting.Add(flusher.FlushAsync([]).ContinueWith(
                    _ => Assert.True(journal.Progress.Synced >= written, $"answered at {journal.Progress.Synced} B synced, entry ends at {written} B"),
                    TaskScheduler.Default));
            }

            await Task.WhenAll(waiting);
        }

        Assert.False(journal.NeedsSync);
        lock (rounds)
        {
            Assert.NotEmpty(rounds);
            Assert.True(rounds.Sum() <= 50, $"rounds answered {rounds.Sum()} requests");
            Assert.All(rounds, r => Assert.True(r > 0));
        }
    }
}
