using System.Buffers.Binary;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.State;

/// <summary>
/// Append-only file of coordinator state changes (committed offsets, producer ids, transaction states), each
/// entry framed as [int32 length][uint32 CRC-32C][payload]. Replayed on start-up; a torn or corrupt tail is
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
            var position = 0;
            while (position + 8 <= bytes.Length)
            {
                var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
                if (length <= 0 || position + 8 + length > bytes.Length)
                {
                    break;
                }

                var crc = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position + 4));
                var payload = bytes.AsMemory(position + 8, length);
                if (Crc32C.Compute(payload.Span) != crc)
                {
                    break;
                }

                apply(new KafkaReader(payload));
                position += 8 + length;
            }

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
        var frame = Frame(payload.WrittenSpan);
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

    private static byte[] Frame(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[payload.Length + 8];
        BinaryPrimitives.WriteInt32BigEndian(frame, payload.Length);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4), Crc32C.Compute(payload));
        payload.CopyTo(frame.AsSpan(8));
        return frame;
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
                    output.Write(Frame(payload.WrittenSpan));
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
