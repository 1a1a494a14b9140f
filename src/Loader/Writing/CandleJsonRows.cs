using System.Text.Json;
using System.Text.Unicode;
using CryptoStreams.Schema;

namespace CryptoStreams.Loader.Writing;

/// <summary>
/// Reads a <see cref="Candle"/>'s JSON straight into its COPY row, without building the record or going through
/// <see cref="JsonSerializer"/>: the loader's hottest path (every candle of <c>prices.1m</c> and <c>raw.candles</c>).
/// It takes only what it can read with certainty to the same row as <see cref="RecordMapper"/>'s serializer path:
/// each of the record's properties exactly once, unescaped valid UTF-8 texts, enum words as the serializer writes
/// them, numbers as JSON numbers. Anything else (a missing or repeated property, an escape, a number in a string, an
/// unknown property, malformed JSON) is declined, and the serializer path decides: same row, or same dead letter.
/// The values are parsed with the same <see cref="Utf8JsonReader"/> methods the serializer's converters use
/// (decimals from the number text, never via double).
/// </summary>
internal static class CandleJsonRows
{
    [Flags]
    private enum Seen
    {
        None = 0,
        Source = 1 << 0,
        Symbol = 1 << 1,
        Kind = 1 << 2,
        WindowStart = 1 << 3,
        WindowEnd = 1 << 4,
        Open = 1 << 5,
        High = 1 << 6,
        Low = 1 << 7,
        Close = 1 << 8,
        Vwap = 1 << 9,
        Volume = 1 << 10,
        Count = 1 << 11,
        Coverage = 1 << 12,
        Final = 1 << 13,
        Asset = 1 << 14,
        Record = (1 << 14) - 1,
    }

    /// <summary>Encodes the candle's row into <paramref name="copy"/> and returns true, or writes nothing and returns false.</summary>
    public static bool TryWrite(ReadOnlySpan<byte> json, BinaryCopyRows copy)
    {
        var row = default(CandleColumns);
        try
        {
            if (!TryRead(json, ref row))
            {
                return false;
            }
        }
        catch (JsonException)
        {
            // Malformed JSON: the serializer path reports it in its own words.
            return false;
        }

        row.WindowStart = RecordMapper.Normalize(row.WindowStart);
        row.WindowEnd = RecordMapper.Normalize(row.WindowEnd);
        CandlesTable.Write(copy, row);
        return true;
    }

    private static bool TryRead(ReadOnlySpan<byte> json, scoped ref CandleColumns row)
    {
        var reader = new Utf8JsonReader(json);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var seen = Seen.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueIsEscaped)
            {
                return false;
            }

            var name = reader.ValueSpan;
            var field = FieldOf(name);
            if (field == Seen.None || (seen & field) != 0 || !reader.Read())
            {
                return false;
            }

            seen |= field;
            var read = field switch
            {
                Seen.Source => IsPlainText(ref reader),
                Seen.Symbol => IsPlainText(ref reader),
                Seen.Asset => IsPlainText(ref reader),
                Seen.Kind => TryEnum(ref reader, "trade"u8, TickKind.Trade, "quote"u8, TickKind.Quote, out row.Kind),
                Seen.WindowStart => reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out row.WindowStart),
                Seen.WindowEnd => reader.TokenType == JsonTokenType.String && reader.TryGetDateTimeOffset(out row.WindowEnd),
                Seen.Open => TryDecimal(ref reader, out row.Open),
                Seen.High => TryDecimal(ref reader, out row.High),
                Seen.Low => TryDecimal(ref reader, out row.Low),
                Seen.Close => TryDecimal(ref reader, out row.Close),
                Seen.Vwap => TryDecimal(ref reader, out row.Vwap),
                Seen.Volume => TryDecimal(ref reader, out row.Volume),
                Seen.Count => reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out row.Count),
                Seen.Coverage => TryEnum(ref reader, "complete"u8, Coverage.Complete, "partial"u8, Coverage.Partial, out row.Coverage),
                Seen.Final => TryBoolean(ref reader, out row.Final),
                _ => false,
            };
            if (!read)
            {
                return false;
            }

            if (field == Seen.Source)
            {
                row.Source = reader.ValueSpan;
            }
            else if (field == Seen.Symbol)
            {
                row.Symbol = reader.ValueSpan;
            }
        }

        // The whole payload is one object (only whitespace after it), with every property of the record.
        return reader.TokenType == JsonTokenType.EndObject && (seen & Seen.Record) == Seen.Record && !reader.Read();
    }

    private static Seen FieldOf(ReadOnlySpan<byte> name) => name.Length switch
    {
        3 when name.SequenceEqual("low"u8) => Seen.Low,
        4 when name.SequenceEqual("open"u8) => Seen.Open,
        4 when name.SequenceEqual("high"u8) => Seen.High,
        4 when name.SequenceEqual("kind"u8) => Seen.Kind,
        4 when name.SequenceEqual("vwap"u8) => Seen.Vwap,
        5 when name.SequenceEqual("close"u8) => Seen.Close,
        5 when name.SequenceEqual("count"u8) => Seen.Count,
        5 when name.SequenceEqual("final"u8) => Seen.Final,
        5 when name.SequenceEqual("asset"u8) => Seen.Asset,
        6 when name.SequenceEqual("source"u8) => Seen.Source,
        6 when name.SequenceEqual("symbol"u8) => Seen.Symbol,
        6 when name.SequenceEqual("volume"u8) => Seen.Volume,
        8 when name.SequenceEqual("coverage"u8) => Seen.Coverage,
        9 when name.SequenceEqual("windowEnd"u8) => Seen.WindowEnd,
        11 when name.SequenceEqual("windowStart"u8) => Seen.WindowStart,
        _ => Seen.None,
    };

    /// <summary>
    /// A text that reaches the table byte for byte: unescaped (so it cannot hide a NUL or a lone surrogate) and valid
    /// UTF-8, which is what the serializer's string would encode back to.
    /// </summary>
    private static bool IsPlainText(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String && !reader.ValueIsEscaped && !reader.HasValueSequence
        && Utf8.IsValid(reader.ValueSpan) && !reader.ValueSpan.Contains((byte)0);

    private static bool TryDecimal(ref Utf8JsonReader reader, out decimal value)
    {
        value = default;
        return reader.TokenType == JsonTokenType.Number && reader.TryGetDecimal(out value);
    }

    private static bool TryBoolean(ref Utf8JsonReader reader, out bool value)
    {
        value = reader.TokenType == JsonTokenType.True;
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False;
    }

    /// <summary>
    /// One of a two-valued enum's words, capitalised as the serializer writes it or in lower case as the database and
    /// the docs spell it (enum names are read ignoring case, so both are the same value). Other spellings take the
    /// serializer path.
    /// </summary>
    private static bool TryEnum<T>(ref Utf8JsonReader reader, ReadOnlySpan<byte> first, T firstValue, ReadOnlySpan<byte> second, T secondValue, out T value)
    {
        value = firstValue;
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped)
        {
            return false;
        }

        var word = reader.ValueSpan;
        if (IsWord(word, first))
        {
            return true;
        }

        value = secondValue;
        return IsWord(word, second);

        static bool IsWord(ReadOnlySpan<byte> word, ReadOnlySpan<byte> lower) =>
            word.Length == lower.Length && (word[0] == lower[0] || word[0] == lower[0] - ('a' - 'A')) && word[1..].SequenceEqual(lower[1..]);
    }
}
