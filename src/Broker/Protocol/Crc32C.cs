using System.Buffers.Binary;
using System.Runtime.Intrinsics.X86;

namespace CryptoStreams.Broker.Protocol;

/// <summary>
/// CRC-32C (Castagnoli), the checksum of Kafka record batches v2. System.IO.Hashing has no CRC-32C, so this
/// uses the SSE4.2 instruction where present and a table otherwise.
/// </summary>
internal static class Crc32C
{
    private const uint Polynomial = 0x82F63B78u;
    private static readonly uint[] Table = BuildTable();

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i;
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ Polynomial : crc >> 1;
            }

            table[i] = crc;
        }

        return table;
    }

    public static uint Compute(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        if (Sse42.X64.IsSupported)
        {
            ulong wide = crc;
            while (data.Length >= 8)
            {
                wide = Sse42.X64.Crc32(wide, BinaryPrimitives.ReadUInt64LittleEndian(data));
                data = data[8..];
            }

            crc = (uint)wide;
            foreach (var b in data)
            {
                crc = Sse42.Crc32(crc, b);
            }
        }
        else
        {
            foreach (var b in data)
            {
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            }
        }

        return ~crc;
    }
}
