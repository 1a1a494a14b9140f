using System.Buffers.Binary;

namespace CryptoStreams.Broker.Tests.Fuzz;

/// <summary>Turns a valid request frame into a damaged one, in the ways a broken or hostile client could.</summary>
public sealed class FrameMutator(Random random)
{
    public byte[] Mutate(byte[] frame) => frame.Length < 8 ? Garbage() : random.Next(10) switch
    {
        0 => FlipBits(frame),
        1 => OverwriteBytes(frame),
        2 => Insert(frame),
        3 => DeleteRange(frame),
        4 => Truncate(frame),
        5 => BogusSize(frame),
        6 => WithHeader(frame, apiKey: (short)random.Next(-5, 1200), apiVersion: null),
        7 => WithHeader(frame, apiKey: null, apiVersion: (short)random.Next(-3, 200)),
        8 => Garbage(),
        _ => Mutate(Mutate(frame)),
    };

    private byte[] FlipBits(byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        for (var i = random.Next(1, 9); i > 0; i--)
        {
            var at = random.Next(4, copy.Length);
            copy[at] ^= (byte)(1 << random.Next(8));
        }

        return copy;
    }

    private byte[] OverwriteBytes(byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        var at = random.Next(4, copy.Length);
        var interesting = new byte[] { 0x00, 0xFF, 0x7F, 0x80, 0x01 };
        for (var i = at; i < Math.Min(copy.Length, at + random.Next(1, 5)); i++)
        {
            copy[i] = random.Next(2) == 0 ? interesting[random.Next(interesting.Length)] : (byte)random.Next(256);
        }

        return copy;
    }

    /// <summary>Inserted bytes, with the size prefix kept consistent so the broker has to parse the body.</summary>
    private byte[] Insert(byte[] frame)
    {
        var at = random.Next(4, frame.Length + 1);
        var extra = new byte[random.Next(1, 16)];
        random.NextBytes(extra);
        return Resized([.. frame[..at], .. extra, .. frame[at..]]);
    }

    private byte[] DeleteRange(byte[] frame)
    {
        var at = random.Next(4, frame.Length);
        var count = random.Next(1, Math.Min(16, frame.Length - at) + 1);
        return Resized([.. frame[..at], .. frame[(at + count)..]]);
    }

    /// <summary>Fewer bytes than the size prefix promises; the client then goes away.</summary>
    private byte[] Truncate(byte[] frame) => frame[..random.Next(1, frame.Length)];

    private byte[] BogusSize(byte[] frame)
    {
        var copy = (byte[])frame.Clone();
        var sizes = new[] { 0, -1, int.MinValue, int.MaxValue, 1, 3, copy.Length - 4 + random.Next(1, 100), 200 * 1024 * 1024 };
        BinaryPrimitives.WriteInt32BigEndian(copy, sizes[random.Next(sizes.Length)]);
        return copy;
    }

    private static byte[] WithHeader(byte[] frame, short? apiKey, short? apiVersion)
    {
        var copy = (byte[])frame.Clone();
        if (apiKey is { } key)
        {
            BinaryPrimitives.WriteInt16BigEndian(copy.AsSpan(4), key);
        }

        if (apiVersion is { } version)
        {
            BinaryPrimitives.WriteInt16BigEndian(copy.AsSpan(6), version);
        }

        return copy;
    }

    private byte[] Garbage()
    {
        var bytes = new byte[random.Next(1, 300)];
        random.NextBytes(bytes);
        if (random.Next(2) == 0 && bytes.Length > 4)
        {
            // A plausible size prefix, so the garbage reaches the header parser.
            BinaryPrimitives.WriteInt32BigEndian(bytes, bytes.Length - 4);
        }

        return bytes;
    }

    private static byte[] Resized(byte[] frame)
    {
        BinaryPrimitives.WriteInt32BigEndian(frame, frame.Length - 4);
        return frame;
    }
}
