using System.Buffers.Binary;
using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Log;

/// <summary>
/// The broker's one journal framing, shared by the <see cref="CommitJournal"/> and the coordinator journal: each
/// entry is <c>[int32 length][uint32 CRC-32C][payload]</c>. Replay reads the intact prefix of a file; a torn or
/// corrupt frame (or one its reader refuses) ends it, and what follows is the tail to cut or overwrite.
/// </summary>
internal static class JournalFrame
{
    /// <summary>Bytes in front of each payload: its length and its checksum.</summary>
    public const int HeaderSize = 8;

    /// <summary>Writes the length and checksum of the payload that fills <paramref name="frame"/> after the header.</summary>
    public static void Seal(Span<byte> frame)
    {
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - HeaderSize);
        BinaryPrimitives.WriteUInt32BigEndian(frame[4..], Crc32C.Compute(frame[HeaderSize..]));
    }

    /// <summary>A new frame holding <paramref name="payload"/>.</summary>
    public static byte[] Of(ReadOnlySpan<byte> payload)
    {
        var frame = new byte[HeaderSize + payload.Length];
        payload.CopyTo(frame.AsSpan(HeaderSize));
        Seal(frame);
        return frame;
    }

    /// <summary>
    /// Hands each intact payload of <paramref name="bytes"/>, in order, to <paramref name="read"/>, until a frame is
    /// shorter than <paramref name="minPayload"/>, runs past the end, fails its checksum, or <paramref name="read"/>
    /// returns false for it. Returns where the intact frames end.
    /// </summary>
    public static int ReadIntact(byte[] bytes, int minPayload, Func<Memory<byte>, bool> read)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(read);
        var position = 0;
        while (position + HeaderSize <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(position));
            if (length < minPayload || position + (long)HeaderSize + length > bytes.Length)
            {
                break;
            }

            var payload = bytes.AsMemory(position + HeaderSize, length);
            if (Crc32C.Compute(payload.Span) != BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(position + 4)) || !read(payload))
            {
                break;
            }

            position += HeaderSize + length;
        }

        return position;
    }
}
