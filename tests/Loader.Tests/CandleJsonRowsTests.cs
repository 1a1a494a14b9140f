using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using CryptoStreams.Loader.Tests.Support;
using CryptoStreams.Loader.Writing;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoStreams.Loader.Tests;

/// <summary>
/// The direct candle reader (<see cref="CandleJsonRows"/>) against the serializer path it shortcuts: for any candle,
/// written any way a JSON writer may write it, and for broken versions of it, a batch mapped with the direct reader
/// holds the same encoded rows and the same dead letters as one mapped by the serializer path alone.
/// </summary>
public class CandleJsonRowsTests
{
    private static readonly JsonSerializerOptions Relaxed = new(SchemaJsonContext.Default.Options) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions Indented = new(SchemaJsonContext.Default.Options) { WriteIndented = true };

    private static readonly decimal[] EdgeDecimals =
        [0m, -0.00m, 1.10m, -1.10m, decimal.MaxValue, decimal.MinValue, 0.0000000000000000000000000001m, 10000m, 99990000.0001m, 18446744073709551.615m, 79228162514264337593543950.335m];

    private static Gen<decimal> Decimal { get; } = Gen.Frequency((4, LoaderGenerators.AnyDecimal), (1, Gen.Elements(EdgeDecimals)));

    // Venue and symbol texts: the usual ones, any Unicode (astral planes included), and the ones the mapper refuses.
    private static Gen<string> Text { get; } = Gen.Frequency(
        (4, Gen.Elements(Sources.Binance, Sources.Okx, "BTC-USDT", "ETH-USD")),
        (3, LoaderGenerators.Text),
        (1, Gen.Elements("Zürich-€", "𝄞-USD", "币安", "a\"b\\c", "tab\there", "bin\0ance", "lone\ud800", string.Empty)));

    private static Gen<DateTimeOffset> Time { get; } = Gen.OneOf(LoaderGenerators.WindowStart, LoaderGenerators.AnyTime,
        LoaderGenerators.AnyTime.Select(t => t.AddTicks(7)),
        Gen.Elements(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new DateTimeOffset(1999, 12, 31, 23, 59, 59, TimeSpan.FromHours(3)).AddTicks(1_234_567)));

    private static Gen<Candle> AnyCandle { get; } =
        from source in Text
        from symbol in Text
        from kind in LoaderGenerators.EnumValue<TickKind>()
        from start in Time
        from end in Time
        from values in Gen.ArrayOf(Decimal, 6)
        from count in ArbMap.Default.GeneratorFor<long>()
        from coverage in LoaderGenerators.EnumValue<Coverage>()
        from final in ArbMap.Default.GeneratorFor<bool>()
        select new Candle(source, symbol, kind, start, end, values[0], values[1], values[2], values[3], values[4], values[5], count, coverage, final);

    /// <summary>The ways a candle's JSON arrives: as our serializer writes it, and as other writers may.</summary>
    private static Gen<byte[]> Written(Candle candle) => Gen.Elements<Func<byte[]>>(
        () => RecordJson.Serialize(candle),
        () => JsonSerializer.SerializeToUtf8Bytes(candle, Relaxed.GetTypeInfo(typeof(Candle))),
        () => JsonSerializer.SerializeToUtf8Bytes(candle, Indented.GetTypeInfo(typeof(Candle))),
        () => Edit(candle, o => new JsonObject(o.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())))),
        () => Edit(candle, o => o.Remove("asset")),
        () => Edit(candle, o => o["kind"] = Capitalised(o["kind"]!)),
        () => Edit(candle, o => o["coverage"] = Capitalised(o["coverage"]!)),
        () => Edit(candle, o => o["open"] = o["open"]!.ToJsonString()),
        () => Edit(candle, o => o["count"] = o["count"]!.ToJsonString()),
        () => Edit(candle, o => o["extra"] = new JsonArray(1, "two", null))).Select(write => write());

    /// <summary>Broken versions of a candle's JSON: cut, a byte changed, a property missing, null, repeated or mistyped, trailing text.</summary>
    private static Gen<byte[]> Broken(byte[] json) =>
        from at in Gen.Choose(0, json.Length - 1)
        from b in Gen.OneOf(Gen.Elements((byte)'"', (byte)'\\', (byte)',', (byte)'}', (byte)'0', (byte)'e', (byte)' ', (byte)0, (byte)0xC3, (byte)0xFF), Gen.Choose(0, 255).Select(i => (byte)i))
        from property in Gen.Elements("source", "symbol", "kind", "windowStart", "windowEnd", "open", "high", "low", "close", "vwap", "volume", "count", "coverage", "final")
        from edit in Gen.Choose(0, 7)
        select edit switch
        {
            0 => json[..at],
            1 => [.. json[..at], b, .. json[(at + 1)..]],
            2 => [.. json[..at], b, .. json[at..]],
            3 => EditJson(json, o => o.Remove(property)),
            4 => EditJson(json, o => o[property] = null),
            5 => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(json).Replace("{", $"{{\"{property}\":{JsonSerializer.Serialize(Encoding.UTF8.GetString(json)[..Math.Min(at, 5)])},", StringComparison.Ordinal)),
            6 => EditJson(json, o => o[property] = new JsonObject { ["nested"] = true }),
            _ => [.. json, .. "x"u8],
        };

    [Property(MaxTest = 300)]
    public bool The_direct_reader_maps_any_written_candle_as_the_serializer_path_does(PositiveInt seed)
    {
        var json = LoaderGenerators.SampleOne(AnyCandle.SelectMany(Written), seed.Get)[0];
        return SameMapping([Record(Topics.Prices1m, 0, json), Record(Topics.RawCandles, 0, json)]);
    }

    [Property(MaxTest = 300)]
    public bool The_direct_reader_rejects_broken_candles_as_the_serializer_path_does(PositiveInt seed)
    {
        var json = LoaderGenerators.SampleOne(AnyCandle.SelectMany(Written).SelectMany(Broken), seed.Get)[0];
        return SameMapping([Record(Topics.Prices1m, 0, json)]);
    }

    [Property(MaxTest = 30)]
    public bool A_batch_of_candles_with_repeated_keys_maps_as_through_the_serializer_path(PositiveInt seed)
    {
        var candles = LoaderGenerators.SampleOne(Gen.ListOf(LoaderGenerators.Candle, 60), seed.Get)[0];
        return SameMapping([.. candles.Select((c, i) => Record(Topics.Prices1m, i, RecordJson.Serialize(c))), Record(Topics.Prices1m, candles.Count, null)]);
    }

    [Property(MaxTest = 10)]
    public bool Thousands_of_rows_merge_by_key_as_the_naive_model_says(PositiveInt seed)
    {
        // Enough keys to grow the batch's key index several times, revisited in any order, provisional and final.
        var origin = new DateTimeOffset(2026, 11, 25, 0, 0, 0, TimeSpan.Zero);
        var random = new Random(seed.Get);
        var candles = Enumerable.Range(0, 6_000).Select(i =>
        {
            var start = origin.AddMinutes(random.Next(0, 3_000));
            return new Candle(random.Next(2) == 0 ? Sources.Binance : Sources.Okx, "BTC-USDT", TickKind.Trade, start, start.AddMinutes(1),
                1m + i, 2m + i, 0.5m, 1.5m, 1.25m, random.Next(0, 100), i, Coverage.Complete, Final: random.Next(3) == 0);
        }).ToList();

        var expected = new Dictionary<(DateTimeOffset, string, string), (int First, Candle Row)>();
        foreach (var (candle, i) in candles.Select((c, i) => (c, i)))
        {
            var key = (candle.WindowStart, candle.Symbol, candle.Source);
            if (!expected.TryGetValue(key, out var stored))
            {
                expected[key] = (i, candle);
            }
            else if (candle.Final || !stored.Row.Final)
            {
                expected[key] = (stored.First, candle);
            }
        }

        var (rows, letters) = Map(candles.Select((c, i) => Record(Topics.Prices1m, i, RecordJson.Serialize(c))), directReaders: true);

        Assert.Empty(letters);
        Assert.Equal(expected.Values.OrderBy(e => e.First).Select(e => Convert.ToHexString(Encoded(e.Row))), Assert.Single(rows).Rows.Select(Convert.ToHexString));
        return true;

        static byte[] Encoded(Candle candle)
        {
            var copy = new BinaryCopyRows();
            copy.StartRow(CandlesTable.Instance.Columns.Count);
            CandlesTable.Instance.WriteRow(copy, candle);
            return copy.Written.ToArray();
        }
    }

    [Property(MaxTest = 100)]
    public bool Candles_as_the_topology_writes_them_take_the_direct_path(PositiveInt seed)
    {
        var candle = LoaderGenerators.SampleOne(LoaderGenerators.Candle, seed.Get)[0];
        // Characters outside the Basic Multilingual Plane are always written escaped, and take the serializer path.
        var unicode = candle with { Symbol = "币安-€ü" };

        Assert.True(Direct(RecordJson.Serialize(candle)), "canonical");
        Assert.True(Direct(JsonSerializer.SerializeToUtf8Bytes(unicode, Relaxed.GetTypeInfo(typeof(Candle)))), "unescaped Unicode");
        return true;

        static bool Direct(byte[] json) => CandleJsonRows.TryWrite(json, new BinaryCopyRows());
    }

    [Fact]
    public void A_declined_candle_leaves_nothing_in_the_rows()
    {
        var copy = new BinaryCopyRows();
        var canonical = RecordJson.Serialize(LoaderGenerators.SampleOne(LoaderGenerators.Candle, 1)[0]);

        Assert.False(CandleJsonRows.TryWrite(canonical.AsSpan(..^1), copy));
        Assert.False(CandleJsonRows.TryWrite(EditJson(canonical, o => o["open"] = "1.5"), copy));
        Assert.Equal(0, copy.Length);
    }

    private static bool SameMapping(IReadOnlyList<ConsumedRecord> records)
    {
        var direct = Map(records, directReaders: true);
        var reference = Map(records, directReaders: false);
        Assert.Equal(reference.Rows.Count, direct.Rows.Count);
        foreach (var ((table, rows), (expectedTable, expectedRows)) in direct.Rows.Zip(reference.Rows))
        {
            Assert.Equal(expectedTable, table);
            Assert.Equal(expectedRows.Select(Convert.ToHexString), rows.Select(Convert.ToHexString));
        }

        Assert.Equal(reference.Letters, direct.Letters);
        return true;
    }

    private static (List<(string Table, byte[][] Rows)> Rows, List<string> Letters) Map(IEnumerable<ConsumedRecord> records, bool directReaders)
    {
        var batch = new LoadBatch(_ => null, TimeProvider.System) { DirectReaders = directReaders };
        foreach (var record in records)
        {
            batch.Add(record);
        }

        return (
            [.. batch.Tables.OrderBy(t => t.Table, StringComparer.Ordinal).Select(t => (t.Table, t.EncodedRows.ToArray()))],
            [.. batch.DeadLetters.Select(d => $"{d.Letter.Topic}@{d.Letter.Offset} {d.Letter.Reason}: {d.Letter.Error} [{Convert.ToHexString(d.Letter.Payload)}]")]);
    }

    private static ConsumedRecord Record(string topic, long offset, byte[]? json) => new(topic, 0, offset, "BTC"u8.ToArray(), json, DateTimeOffset.UnixEpoch);

    private static JsonValue Capitalised(JsonNode word) => JsonValue.Create(char.ToUpperInvariant(word.GetValue<string>()[0]) + word.GetValue<string>()[1..]);

    private static byte[] Edit(Candle candle, Action<JsonObject> edit) => EditJson(RecordJson.Serialize(candle), edit);

    private static byte[] Edit(Candle candle, Func<JsonObject, JsonObject> rewrite) => Encoding.UTF8.GetBytes(rewrite(JsonNode.Parse(RecordJson.Serialize(candle))!.AsObject()).ToJsonString());

    private static byte[] EditJson(byte[] json, Action<JsonObject> edit)
    {
        JsonObject parsed;
        try
        {
            parsed = JsonNode.Parse(json)!.AsObject();
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or NullReferenceException)
        {
            return json;
        }

        edit(parsed);
        return Encoding.UTF8.GetBytes(parsed.ToJsonString());
    }
}
