using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.State;

/// <summary>
/// Append-only file of coordinator state changes (committed offsets, producer ids, transaction states), each
/// entry framed by <see cref="JournalFrame"/> as the commit journal is. Replayed on start-up; a torn or corrupt tail is
/// cut off. Compacted by rewriting a snapshot of the live state through a temporary file and a rename —
/// the role Kafka gives to the compacted <c>__consumer_offsets</c> and <c>__transaction_state</c> topics.
/// </summary>
internal sealed class CoordinatorJournal : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _path;
    private readonly bool _fsync;
    private FileStream _file;

    public CoordinatorJournal(string directory, bool fsync)
    {
        Directory.CreateDirectory(directory);
        _path = Path.Combine(directory, "coordinator.journal");
        _fsync = fsync;
        _file = OpenForAppend(_path);
    }

    public long Size => _file.Length;

    private static FileStream OpenForAppend(string path) =>
        new(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 1, FileOptions.None);

    /// <summary>Reads every intact entry in order; returns the number of bytes of broken tail that were cut.</summary>
    public long Replay(Action<KafkaReader> apply)
    {
        lock (_lock)
        {
            _file.Position = 0;
            var bytes = new byte[_file.Length];
            _file.ReadExactly(bytes);
            var position = JournalFrame.ReadIntact(bytes, minPayload: 1, payload =>
            {
                apply(new KafkaReader(payload));
                return true;
            });

            var cut = bytes.Length - position;
            if (cut > 0)
            {
                _file.SetLength(position);
                _file.Flush(flushToDisk: true);
            }

            _file.Position = position;
            return cut;
        }
    }

    /// <summary>Appends entries written by <paramref name="write"/> (one entry per call of the callback's writer).</summary>
    public void Append(Action<KafkaWriter> write)
    {
        using var payload = new KafkaWriter(256);
        write(payload);
        var frame = JournalFrame.Of(payload.WrittenSpan);
        lock (_lock)
        {
            _file.Write(frame);
            if (_fsync)
            {
                _file.Flush(flushToDisk: true);
            }
            else
            {
                _file.Flush();
            }
        }
    }

    /// <summary>Replaces the journal with <paramref name="entries"/> (one payload each): compaction.</summary>
    public void Rewrite(IEnumerable<Action<KafkaWriter>> entries)
    {
        lock (_lock)
        {
            var temp = _path + ".tmp";
            using (var output = new FileStream(temp, FileMode.Create, FileAccess.Write))
            {
                foreach (var entry in entries)
                {
                    using var payload = new KafkaWriter(256);
                    entry(payload);
                    output.Write(JournalFrame.Of(payload.WrittenSpan));
                }

                output.Flush(flushToDisk: true);
            }

            _file.Dispose();
            File.Move(temp, _path, overwrite: true);
            _file = OpenForAppend(_path);
            _file.Position = _file.Length;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _file.Flush(flushToDisk: true);
            _file.Dispose();
        }
    }
}
