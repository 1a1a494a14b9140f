using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace CryptoStreams.Archive.Tests.FakeS3;

/// <summary>
/// Removes the <c>aws-chunked</c> framing AWSSDK.S3 puts around an upload body over plain HTTP (S3 "SigV4 streaming"):
/// <c>hex-size[;chunk-signature=…]\r\n data \r\n</c> repeated, a zero-size chunk, then optional trailer lines
/// (<c>x-amz-checksum-crc32:…</c>, <c>x-amz-trailer-signature:…</c>) and an empty line. A CRC32 trailer is checked
/// against the decoded bytes, as S3 does (BadDigest otherwise). Chunk signatures are not checked.
/// </summary>
internal static class AwsChunked
{
    public static bool TryDecode(byte[] body, out byte[] content, out string error)
    {
        using var decoded = new MemoryStream();
        content = [];
        var at = 0;
        while (true)
        {
            if (!TryReadLine(body, ref at, out var header))
            {
                error = "chunk header without CRLF";
                return false;
            }

            var sizeText = header.Split(';')[0];
            if (!int.TryParse(sizeText, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0 || at + size + 2 > body.Length)
            {
                error = $"bad chunk header '{header}'";
                return false;
            }

            if (size == 0)
            {
                break;
            }

            decoded.Write(body, at, size);
            at += size;
            if (body[at] != '\r' || body[at + 1] != '\n')
            {
                error = "chunk data not followed by CRLF";
                return false;
            }

            at += 2;
        }

        var trailers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        while (TryReadLine(body, ref at, out var line) && line.Length > 0)
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                trailers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
            }
        }

        content = decoded.ToArray();
        if (trailers.TryGetValue("x-amz-checksum-crc32", out var crc))
        {
            Span<byte> expected = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(expected, Crc32(content));
            if (!string.Equals(Convert.ToBase64String(expected), crc, StringComparison.Ordinal))
            {
                error = $"x-amz-checksum-crc32 {crc} does not match the decoded body ({Convert.ToBase64String(expected)})";
                return false;
            }
        }

        error = string.Empty;
        return true;
    }

    private static bool TryReadLine(byte[] body, ref int at, out string line)
    {
        for (var i = at; i + 1 < body.Length; i++)
        {
            if (body[i] == '\r' && body[i + 1] == '\n')
            {
                line = Encoding.ASCII.GetString(body, at, i - at);
                at = i + 2;
                return true;
            }
        }

        line = string.Empty;
        return false;
    }

    /// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), the checksum the SDK sends by default.</summary>
    private static uint Crc32(byte[] data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
            }
        }

        return ~crc;
    }
}
