using System.Globalization;
using System.Numerics;

namespace CryptoStreams.Extractors.Chainlink;

/// <summary>What <c>latestRoundData()</c> returned, decoded exactly.</summary>
public readonly record struct RoundData(UInt128 RoundId, BigInteger Answer, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, UInt128 AnsweredInRound);

/// <summary>A return value that is not the ABI encoding we expect.</summary>
public sealed class AbiDecodeException : FormatException
{
    public AbiDecodeException()
    {
    }

    public AbiDecodeException(string message)
        : base(message)
    {
    }

    public AbiDecodeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Decodes the two return values we read from a feed proxy. ABI words are 32 big-endian bytes; each is checked
/// against its declared width (uint8, uint80, int256, uint256 timestamps) instead of being truncated.
/// </summary>
public static class AbiDecoder
{
    private const int WordSize = 32;

    /// <summary>Selector of <c>latestRoundData()</c>.</summary>
    public const string LatestRoundDataSelector = "0xfeaf968c";

    /// <summary>Selector of <c>decimals()</c>.</summary>
    public const string DecimalsSelector = "0x313ce567";

    private static readonly BigInteger MaxDecimalMantissa = (BigInteger.One << 96) - 1;

    public static int DecodeDecimals(string hex)
    {
        var bytes = HexToBytes(hex);
        RequireWords(bytes, 1, "decimals()");
        var value = Unsigned(bytes, 0, bits: 8, "decimals");
        return (int)value;
    }

    public static RoundData DecodeLatestRoundData(string hex)
    {
        var bytes = HexToBytes(hex);
        RequireWords(bytes, 5, "latestRoundData()");
        var roundId = (UInt128)Unsigned(bytes, 0, bits: 80, "roundId");
        var answer = new BigInteger(bytes.AsSpan(WordSize, WordSize), isUnsigned: false, isBigEndian: true);
        var startedAt = Timestamp(bytes, 2, "startedAt");
        var updatedAt = Timestamp(bytes, 3, "updatedAt");
        var answeredInRound = (UInt128)Unsigned(bytes, 4, bits: 80, "answeredInRound");
        return new RoundData(roundId, answer, startedAt, updatedAt, answeredInRound);
    }

    /// <summary>The answer as an exact decimal: <c>answer / 10^decimals</c>.</summary>
    public static decimal Scale(BigInteger answer, int decimals)
    {
        if (decimals is < 0 or > 28)
        {
            throw new AbiDecodeException($"decimals {decimals} is outside what decimal can represent exactly (0..28)");
        }

        var magnitude = BigInteger.Abs(answer);
        if (magnitude > MaxDecimalMantissa)
        {
            throw new AbiDecodeException($"answer {answer} has more than 96 bits");
        }

        var bytes = magnitude.ToByteArray(isUnsigned: true, isBigEndian: false);
        Span<byte> padded = stackalloc byte[12];
        bytes.CopyTo(padded);
        var lo = BitConverter.ToInt32(padded[..4]);
        var mid = BitConverter.ToInt32(padded[4..8]);
        var hi = BitConverter.ToInt32(padded[8..12]);
        return new decimal(lo, mid, hi, answer.Sign < 0, (byte)decimals);
    }

    public static byte[] HexToBytes(string hex)
    {
        ArgumentNullException.ThrowIfNull(hex);
        var digits = hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? hex[2..] : hex;
        if (digits.Length % 2 != 0)
        {
            throw new AbiDecodeException($"odd number of hex digits ({digits.Length})");
        }

        try
        {
            return Convert.FromHexString(digits);
        }
        catch (FormatException ex)
        {
            throw new AbiDecodeException("not hex: " + ex.Message, ex);
        }
    }

    private static void RequireWords(byte[] bytes, int words, string function)
    {
        if (bytes.Length < words * WordSize)
        {
            throw new AbiDecodeException($"{function} returned {bytes.Length} bytes, expected {words * WordSize}");
        }
    }

    private static BigInteger Unsigned(byte[] bytes, int word, int bits, string name)
    {
        var value = new BigInteger(bytes.AsSpan(word * WordSize, WordSize), isUnsigned: true, isBigEndian: true);
        if (value >> bits != BigInteger.Zero)
        {
            throw new AbiDecodeException($"{name} does not fit in {bits} bits: {value}");
        }

        return value;
    }

    private static DateTimeOffset Timestamp(byte[] bytes, int word, string name)
    {
        var seconds = Unsigned(bytes, word, bits: 64, name);
        if (seconds > 253402300799)
        {
            throw new AbiDecodeException($"{name} {seconds.ToString(CultureInfo.InvariantCulture)} is past year 9999");
        }

        return DateTimeOffset.FromUnixTimeSeconds((long)seconds);
    }
}
