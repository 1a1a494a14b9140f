namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Reads one venue's hot trade frame by matching its exact bytes left to right, for the parsers' fast paths.
/// It accepts only a narrow, unambiguous subset of JSON: no whitespace, printable ASCII strings without
/// escapes, whole numbers without sign or leading zeros, and decimals written as plain digits with an optional
/// fraction. Any other spelling makes a read return false, and the caller hands the frame to its general
/// <see cref="System.Text.Json.Utf8JsonReader"/> parser, which stays the authority on every frame the scanner
/// does not fully understand (including every rejection and its reason).
/// </summary>
internal ref struct TradeFrameScanner
{
    // 18 digits always fit in a long; longer ids and times go to the general parser.
    private const int MaxWholeDigits = 18;

    // 19 digits always fit in a ulong, so the decimal is exact without the 96-bit arithmetic of a full parser.
    private const int MaxDecimalDigits = 19;

    private readonly ReadOnlySpan<byte> frame;
    private int position;

    public TradeFrameScanner(ReadOnlySpan<byte> frame)
    {
        this.frame = frame;
        position = 0;
    }

    /// <summary>True when every byte of the frame was read: trailing bytes of any kind mean the general parser decides.</summary>
    public readonly bool AtEnd => position == frame.Length;

    /// <summary>Consumes <paramref name="expected"/> (structure, property names, fixed values) when the frame continues with it.</summary>
    public bool Literal(ReadOnlySpan<byte> expected)
    {
        if (!frame[position..].StartsWith(expected))
        {
            return false;
        }

        position += expected.Length;
        return true;
    }

    /// <summary>Consumes one byte when it is <paramref name="expected"/>.</summary>
    public bool Byte(byte expected)
    {
        if (position >= frame.Length || frame[position] != expected)
        {
            return false;
        }

        position++;
        return true;
    }

    /// <summary>A quoted string of printable ASCII without escapes; <paramref name="text"/> is its content.</summary>
    public bool PlainString(out ReadOnlySpan<byte> text)
    {
        text = default;
        if (!Byte((byte)'"'))
        {
            return false;
        }

        var rest = frame[position..];
        var length = rest.IndexOf((byte)'"');
        if (length < 0)
        {
            return false;
        }

        var content = rest[..length];
        if (content.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E) || content.Contains((byte)'\\'))
        {
            return false;
        }

        text = content;
        position += length + 1;
        return true;
    }

    /// <summary>A bare JSON whole number: digits only, no sign, no leading zero, at most 18 digits.</summary>
    public bool WholeNumber(out long value) => Digits(out value);

    /// <summary>A whole number written as a string (<c>"617251836"</c>), with the same rules as <see cref="WholeNumber"/>.</summary>
    public bool QuotedWholeNumber(out long value)
    {
        value = 0;
        return Byte((byte)'"') && Digits(out value) && Byte((byte)'"');
    }

    /// <summary>A boolean literal.</summary>
    public bool Boolean(out bool value)
    {
        if (Literal("true"u8))
        {
            value = true;
            return true;
        }

        value = false;
        return Literal("false"u8);
    }

    /// <summary>
    /// A positive decimal written as a string of digits with an optional fraction (<c>"94312.01000000"</c>), at
    /// most 19 digits in all. The value keeps the payload's scale (trailing zeros included), exactly as
    /// <see cref="System.Buffers.Text.Utf8Parser"/> reads the same text. Zero, signs, exponents, a bare point and
    /// longer numbers are left to the general parser.
    /// </summary>
    public bool QuotedPositiveDecimal(out decimal value)
    {
        value = 0;
        if (!Byte((byte)'"'))
        {
            return false;
        }

        ulong mantissa = 0;
        var digits = 0;
        var integerDigits = ReadDecimalDigits(ref mantissa, ref digits);
        if (integerDigits == 0)
        {
            return false;
        }

        var scale = 0;
        if (Byte((byte)'.'))
        {
            scale = ReadDecimalDigits(ref mantissa, ref digits);
            if (scale == 0)
            {
                return false;
            }
        }

        if (digits > MaxDecimalDigits || mantissa == 0 || !Byte((byte)'"'))
        {
            return false;
        }

        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, false, (byte)scale);
        return true;
    }

    // Reads a run of digits into the mantissa; stops counting into it past the limit (the caller then refuses).
    private int ReadDecimalDigits(ref ulong mantissa, ref int digits)
    {
        var start = position;
        while (position < frame.Length && char.IsAsciiDigit((char)frame[position]))
        {
            if (++digits <= MaxDecimalDigits)
            {
                mantissa = (mantissa * 10) + (uint)(frame[position] - '0');
            }

            position++;
        }

        return position - start;
    }

    private bool Digits(out long value)
    {
        value = 0;
        var start = position;
        while (position < frame.Length && char.IsAsciiDigit((char)frame[position]))
        {
            if (position - start == MaxWholeDigits)
            {
                return false;
            }

            value = (value * 10) + (frame[position] - '0');
            position++;
        }

        var length = position - start;

        // "0" alone is a number; "01" is not JSON, and "007" as a string the general parser reads its own way.
        return length == 1 || (length > 1 && frame[start] != '0');
    }
}
