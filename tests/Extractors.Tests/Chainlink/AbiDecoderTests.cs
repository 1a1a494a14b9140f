using System.Numerics;
using CryptoStreams.Extractors.Chainlink;

namespace CryptoStreams.Extractors.Tests.Chainlink;

public sealed class AbiDecoderTests
{
    private static string Word(BigInteger value)
    {
        if (value.Sign < 0)
        {
            value += BigInteger.One << 256;
        }

        return value.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)[^64..];
    }

    private static string RoundData(BigInteger roundId, BigInteger answer, long startedAt, long updatedAt, BigInteger answeredInRound) =>
        "0x" + Word(roundId) + Word(answer) + Word(startedAt) + Word(updatedAt) + Word(answeredInRound);

    [Fact]
    public void Decodes_a_mainnet_style_round_exactly()
    {
        var roundId = (BigInteger.One * 6 << 64) + 8726;
        var decoded = AbiDecoder.DecodeLatestRoundData(RoundData(roundId, 6712345678901, 1711356287, 1711356299, roundId));

        Assert.Equal(UInt128.Parse("110680464442257318422", System.Globalization.CultureInfo.InvariantCulture), decoded.RoundId);
        Assert.Equal(new BigInteger(6712345678901), decoded.Answer);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711356287), decoded.StartedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1711356299), decoded.UpdatedAt);
        Assert.Equal(decoded.RoundId, decoded.AnsweredInRound);
        Assert.Equal(67123.45678901m, AbiDecoder.Scale(decoded.Answer, 8));
    }

    [Fact]
    public void Negative_answers_decode_from_twos_complement()
    {
        var decoded = AbiDecoder.DecodeLatestRoundData(RoundData(1, -150000000, 1, 2, 1));
        Assert.Equal(-1.5m, AbiDecoder.Scale(decoded.Answer, 8));
    }

    [Fact]
    public void Decimals_word_decodes()
    {
        Assert.Equal(8, AbiDecoder.DecodeDecimals("0x" + Word(8)));
        Assert.Equal(18, AbiDecoder.DecodeDecimals("0x" + Word(18)));
    }

    [Fact]
    public void Values_wider_than_their_declared_type_are_rejected_not_truncated()
    {
        var tooWide = BigInteger.One << 80;
        Assert.Throws<AbiDecodeException>(() => AbiDecoder.DecodeLatestRoundData(RoundData(tooWide, 1, 1, 1, 1)));
        Assert.Throws<AbiDecodeException>(() => AbiDecoder.DecodeDecimals("0x" + Word(256)));
    }

    [Theory]
    [InlineData("0x")]
    [InlineData("0x1234")]
    [InlineData("0xzz")]
    [InlineData("0x123")]
    public void Short_or_malformed_results_are_rejected(string hex) =>
        Assert.Throws<AbiDecodeException>(() => AbiDecoder.DecodeLatestRoundData(hex));

    [Fact]
    public void Answers_beyond_decimal_precision_are_rejected()
    {
        Assert.Throws<AbiDecodeException>(() => AbiDecoder.Scale(BigInteger.One << 100, 8));
        Assert.Throws<AbiDecodeException>(() => AbiDecoder.Scale(1, 29));
    }

    [FsCheck.Xunit.Property(MaxTest = 300)]
    public bool Scale_equals_the_answer_divided_by_ten_to_the_decimals(long answer, byte decimalsSeed)
    {
        var decimals = decimalsSeed % 19;
        var expected = answer / (decimal)BigInteger.Pow(10, decimals);
        return AbiDecoder.Scale(answer, decimals) == expected;
    }
}
