using System.Globalization;
using System.Numerics;
using Nethereum.ABI.FunctionEncoding;
using Nethereum.ABI.FunctionEncoding.Attributes;

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
/// Decodes the two return values we read from a feed proxy with Nethereum's ABI decoder, then checks each value
/// against its declared width (uint8, uint80, uint256 timestamps) instead of letting it be truncated: Nethereum
/// decodes a whole 32-byte word whatever the declared width says.
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
        var output = Decode<DecimalsOutput>(hex, words: 1, "decimals()");
        return (int)Fits(output.Decimals, bits: 8, "decimals");
    }

    public static RoundData DecodeLatestRoundData(string hex)
    {
        var output = Decode<LatestRoundDataOutput>(hex, words: 5, "latestRoundData()");
        return new RoundData(
            (UInt128)Fits(output.RoundId, bits: 80, "roundId"),
            output.Answer,
            Timestamp(output.StartedAt, "startedAt"),
            Timestamp(output.UpdatedAt, "updatedAt"),
            (UInt128)Fits(output.AnsweredInRound, bits: 80, "answeredInRound"));
    }

    /// <summary>The answer as an exact decimal: its integer text with the point moved <paramref name="decimals"/> places.</summary>
    public static decimal Scale(BigInteger answer, int decimals)
    {
        if (decimals is < 0 or > 28)
        {
            throw new AbiDecodeException($"decimals {decimals} is outside what decimal can represent exactly (0..28)");
        }

        // decimal.Parse rounds digits that do not fit instead of refusing them; a wider answer must not be rounded.
        if (BigInteger.Abs(answer) > MaxDecimalMantissa)
        {
            throw new AbiDecodeException($"answer {answer} has more than 96 bits");
        }

        var digits = BigInteger.Abs(answer).ToString(CultureInfo.InvariantCulture).PadLeft(decimals + 1, '0');
        var text = decimals == 0 ? digits : string.Concat(digits.AsSpan(0, digits.Length - decimals), ".", digits.AsSpan(digits.Length - decimals));
        var value = decimal.Parse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return answer.Sign < 0 ? -value : value;
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

    private static T Decode<T>(string hex, int words, string function)
        where T : new()
    {
        var bytes = HexToBytes(hex);
        if (bytes.Length < words * WordSize)
        {
            throw new AbiDecodeException($"{function} returned {bytes.Length} bytes, expected {words * WordSize}");
        }

        return new FunctionCallDecoder().DecodeFunctionOutput<T>(Convert.ToHexString(bytes));
    }

    private static BigInteger Fits(BigInteger value, int bits, string name)
    {
        if (value.Sign < 0 || value >> bits != BigInteger.Zero)
        {
            throw new AbiDecodeException($"{name} does not fit in {bits} bits: {value}");
        }

        return value;
    }

    private static DateTimeOffset Timestamp(BigInteger seconds, string name)
    {
        Fits(seconds, bits: 64, name);
        if (seconds > 253402300799)
        {
            throw new AbiDecodeException($"{name} {seconds.ToString(CultureInfo.InvariantCulture)} is past year 9999");
        }

        return DateTimeOffset.FromUnixTimeSeconds((long)seconds);
    }

    // The outputs as the feed proxy's ABI declares them; Nethereum maps each word to its property by order.
    [FunctionOutput]
    private sealed class DecimalsOutput
    {
        [Parameter("uint8", "decimals", 1)]
        public BigInteger Decimals { get; set; }
    }

    [FunctionOutput]
    private sealed class LatestRoundDataOutput
    {
        [Parameter("uint80", "roundId", 1)]
        public BigInteger RoundId { get; set; }

        [Parameter("int256", "answer", 2)]
        public BigInteger Answer { get; set; }

        [Parameter("uint256", "startedAt", 3)]
        public BigInteger StartedAt { get; set; }

        [Parameter("uint256", "updatedAt", 4)]
        public BigInteger UpdatedAt { get; set; }

        [Parameter("uint80", "answeredInRound", 5)]
        public BigInteger AnsweredInRound { get; set; }
    }
}
