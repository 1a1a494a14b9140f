using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>A generated WebSocket frame (bytes, since mutations may leave invalid UTF-8).</summary>
public sealed record GeneratedFrame(byte[] Bytes)
{
    public override string ToString() => Encoding.UTF8.GetString(Bytes);
}

/// <summary>A generated Binance frame.</summary>
public sealed record BinanceFrame(GeneratedFrame Frame)
{
    public override string ToString() => Frame.ToString();
}

/// <summary>A generated OKX frame.</summary>
public sealed record OkxFrame(GeneratedFrame Frame)
{
    public override string ToString() => Frame.ToString();
}

/// <summary>
/// Trade frames as Binance and OKX send them, with varied values (ids, times, decimals of every scale, odd and
/// invalid spellings), and then mutated: fields swapped, dropped, duplicated, added, escaped or given the wrong
/// type, whitespace and trailing bytes added, random byte edits. Most stay exactly as a venue sends them, so the
/// fast paths run; the rest must fall back to the general parsers.
/// </summary>
public static class TradeFrameGenerators
{
    private static readonly string[] OddWholeNumbers =
        ["0", "007", "-1", "-0", "1.0", "1e3", "", "999999999999999999", "1000000000000000000", "9223372036854775807", "9223372036854775808", "99999999999999999999", "253402300799999", "253402300800000", " 1"];

    private static readonly string[] OddDecimals =
        ["0", "0.00000000", "00.50", "1.", ".5", "1e5", "1E-2", "-1", "+1", "NaN", "Infinity", "", " 1", "1 ", "0x10", "1_000", "79228162514264337593543950335", "79228162514264337593543950336", "9999999999999999999", "10000000000000000000", "0.1000000000000000055511151231"];

    // Weight of the usual spelling against each odd one, per value: high enough that about half of the frames
    // come out exactly as a venue sends them.
    private const int Usual = 30;

    private static readonly string[] OddValues = ["null", "true", "{}", "[]", "1", "\"1\"", "\"\"", "-1", "\"x\""];

    public static Gen<BinanceFrame> Binance { get; } = BinanceGen().Select(bytes => new BinanceFrame(new GeneratedFrame(bytes)));

    public static Gen<OkxFrame> Okx { get; } = OkxGen().Select(bytes => new OkxFrame(new GeneratedFrame(bytes)));

    private static Gen<string> DigitString(int min, int max) =>
        from length in Gen.Choose(min, max)
        from digits in Gen.ArrayOf(Gen.Choose(0, 9), length)
        select string.Concat(digits);

    private static Gen<long> NonNegativeLong { get; } = ArbMap.Default.GeneratorFor<long>().Select(l => l & long.MaxValue);

    private static Gen<string> WholeNumber { get; } = Gen.Frequency(
        (Usual, Gen.Choose(0, int.MaxValue).Select(i => Invariant(i * 1009L))),
        (4, NonNegativeLong.Select(Invariant)),
        (2, Gen.Choose(0, 9).Select(i => Invariant(i))),
        (1, Gen.Elements(OddWholeNumbers)));

    private static Gen<string> EpochMilliseconds { get; } = Gen.Frequency(
        (Usual, Gen.Choose(0, int.MaxValue).Select(x => Invariant(1_700_000_000_000L + x))),
        (1, Gen.Elements(OddWholeNumbers)));

    private static Gen<string> DecimalText { get; } = Gen.Frequency(
        (Usual, from integer in DigitString(1, 6) from fraction in DigitString(1, 8) select integer + "." + fraction),
        (8,
            from integer in Gen.Frequency((6, DigitString(1, 6)), (1, DigitString(0, 22)))
            from fraction in Gen.Frequency((2, Gen.Constant(string.Empty)), (6, DigitString(1, 10).Select(d => "." + d)), (1, DigitString(0, 30).Select(d => "." + d)))
            from zeros in Gen.Frequency((3, Gen.Constant(string.Empty)), (1, Gen.Elements("0", "000", "00000000")))
            select integer + fraction + (fraction.Length > 0 ? zeros : string.Empty)),
        (1, Gen.Elements(OddDecimals)));

    /// <summary>A JSON value for a number the venue sends bare: usually bare, sometimes quoted.</summary>
    private static Gen<string> Bare(Gen<string> text) => Gen.Frequency((Usual, text), (1, text.Select(Quote)));

    /// <summary>A JSON value for a number the venue sends as a string: usually quoted, sometimes bare.</summary>
    private static Gen<string> Quoted(Gen<string> text) => Gen.Frequency((Usual, text.Select(Quote)), (1, text));

    private static Gen<string> Symbol(params string[] usual) => Gen.Frequency(
        (Usual, Gen.Elements(usual).Select(Quote)),
        (1, Gen.Elements("\"\"", "\"BTC\"", "\"btcusdt\"", "\"BTC-USDT-SWAP\"", "\"XYZABCDE\"", "\"BTC\\u0055SDT\"", "\"BTCÜSDT\"", "\"BTC\tUSDT\"", "\"BTCUSDTBTCUSDTBTCUSDTBTCUSDTBTCUSDT\"", "\"BTC\\\"USDT\"", "null")));

    private static Gen<byte[]> BinanceGen()
    {
        var kind = Gen.Frequency((Usual, Gen.Constant("aggTrade")), (Usual / 3, Gen.Constant("trade")), (1, Gen.Elements("depthUpdate", "serverShutdown", "AggTrade")));
        var flag = Gen.Frequency((Usual, Gen.Elements("true", "false")), (1, Gen.Elements(OddValues)));
        var eventFields =
            from e in kind
            from eventTime in Bare(EpochMilliseconds)
            from symbol in Symbol("BTCUSDT", "ETHUSDT", "LINKUSDT", "BNBUSDT")
            from id in Bare(WholeNumber)
            from price in Quoted(DecimalText)
            from size in Quoted(DecimalText)
            from first in Bare(WholeNumber)
            from last in Bare(WholeNumber)
            from tradeTime in Bare(EpochMilliseconds)
            from buyerIsMaker in flag
            from bestMatch in flag
            select Fields(
                ("e", Quote(e)), ("E", eventTime), ("s", symbol), (e == "trade" ? "t" : "a", id), ("p", price), ("q", size))
                .Concat(e == "trade" ? [] : Fields(("f", first), ("l", last)))
                .Concat(Fields(("T", tradeTime), ("m", buyerIsMaker), ("M", bestMatch)))
                .ToList();
        var binanceExtras = Fields(("x", "1"), ("E", "1732537320124"), ("a", "5"), ("t", "6"), ("stream", "\"btcusdt@aggTrade\""), ("result", "null"), ("id", "1"), ("error", "{}"));
        var frame =
            from fields in eventFields
            from mutatedEvent in MutateFields(fields, binanceExtras)
            from enveloped in Gen.Frequency((3, Gen.Constant(true)), (1, Gen.Constant(false)))
            from stream in Gen.Frequency((Usual, Gen.Elements("\"btcusdt@aggTrade\"", "\"ethusdt@trade\"")), (1, Gen.Elements(OddValues)))
            from envelope in MutateFields(Fields(("stream", stream), ("data", Render(mutatedEvent))), binanceExtras)
            select enveloped ? Render(envelope) : Render(mutatedEvent);
        return frame.SelectMany(MutateText);
    }

    private static Gen<byte[]> OkxGen()
    {
        var side = Gen.Frequency((Usual, Gen.Elements("\"buy\"", "\"sell\"")), (1, Gen.Elements("\"hold\"", "\"BUY\"", "\"sel\"", "null")));
        var trade =
            from symbol in Symbol("BTC-USDT", "ETH-USDT", "LINK-USDT", "BTC-USDC")
            from id in Quoted(WholeNumber)
            from price in Quoted(DecimalText)
            from size in Quoted(DecimalText)
            from taker in side
            from time in Quoted(EpochMilliseconds)
            from count in Gen.Frequency((3, Quoted(Gen.Choose(1, 50).Select(i => Invariant(i))).Select(s => (string?)s)), (1, Gen.Constant<string?>(null)))
            from source in Gen.Frequency((3, Gen.Constant<string?>("\"0\"")), (1, Gen.Constant<string?>(null)))
            from sequence in Gen.Frequency((3, Bare(WholeNumber).Select(s => (string?)s)), (1, Gen.Constant<string?>(null)))
            select Fields(("instId", symbol), ("tradeId", id), ("px", price), ("sz", size), ("side", taker), ("ts", time))
                .Concat(count is null ? [] : Fields(("count", count)))
                .Concat(source is null ? [] : Fields(("source", source)))
                .Concat(sequence is null ? [] : Fields(("seqId", sequence)))
                .ToList();
        var okxExtras = Fields(("x", "1"), ("event", "\"subscribe\""), ("event", "\"error\""), ("code", "\"0\""), ("code", "\"60012\""), ("msg", "\"\""), ("connId", "\"a4d3ae55\""), ("px", "\"1\""));
        var mutatedTrade = trade.SelectMany(fields => MutateFields(fields, okxExtras)).Select(Render);
        var frame =
            from trades in Gen.Frequency((8, Gen.ArrayOf(mutatedTrade, 1)), (2, Gen.Choose(2, 4).SelectMany(n => Gen.ArrayOf(mutatedTrade, n))), (1, Gen.Constant(Array.Empty<string>())))
            from channel in Gen.Frequency((Usual, Gen.Constant("\"trades\"")), (1, Gen.Elements("\"trades-all\"", "\"books\"", "\"Trades\"", "null")))
            from argSymbol in Symbol("BTC-USDT", "ETH-USDT")
            from arg in MutateFields(Fields(("channel", channel), ("instId", argSymbol)), okxExtras)
            from top in MutateFields(Fields(("arg", Render(arg)), ("data", "[" + string.Join(",", trades) + "]")), okxExtras)
            select Render(top);
        return frame.SelectMany(MutateText);
    }

    /// <summary>Usually the fields as sent; otherwise one structural change the fast paths must not accept.</summary>
    private static Gen<List<(string Name, string Value)>> MutateFields(List<(string Name, string Value)> fields, List<(string Name, string Value)> extras)
    {
        if (fields.Count == 0)
        {
            return Gen.Constant(fields);
        }

        var at = Gen.Choose(0, fields.Count - 1);
        return Gen.Frequency(
            (4 * Usual, Gen.Constant(fields)),
            (1, at.Select(i => With(fields, list => (list[i], list[(i + 1) % list.Count]) = (list[(i + 1) % list.Count], list[i])))),
            (1, at.Select(i => With(fields, list => list.RemoveAt(i)))),
            (1, at.Select(i => With(fields, list => list.Add(list[i])))),
            (1, from i in at from extra in Gen.Elements(extras.ToArray()) select With(fields, list => list.Insert(i, extra))),
            (1, at.Select(i => With(fields, list => list[i] = (EscapeFirst(list[i].Name), list[i].Value)))),
            (1, from i in at from odd in Gen.Elements(OddValues) select With(fields, list => list[i] = (list[i].Name, odd))));
    }

    /// <summary>Usually the text as rendered; otherwise whitespace, trailing bytes or random byte edits.</summary>
    private static Gen<byte[]> MutateText(string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        var structural = Enumerable.Range(0, text.Length).Where(i => text[i] is ',' or ':' or '{' or '[').ToArray();
        return Gen.Frequency(
            (3 * Usual, Gen.Constant(bytes)),
            (1, from i in Gen.Elements(structural) from space in Gen.Elements(" ", "\n", "\t", "\r\n")
                select Encoding.UTF8.GetBytes(text.Insert(i + 1, space))),
            (1, Gen.Elements(" ", "\n", "x", "}", "{}", "\0").Select(tail => Encoding.UTF8.GetBytes(text + tail))),
            (2, ArbMap.Default.GeneratorFor<int>().Select(seed => ParserFuzzTests.Mutate(bytes, new Random(seed)))));
    }

    private static List<(string Name, string Value)> Fields(params (string Name, string Value)[] fields) => [.. fields];

    private static List<(string Name, string Value)> With(List<(string Name, string Value)> fields, Action<List<(string Name, string Value)>> change)
    {
        var copy = new List<(string Name, string Value)>(fields);
        change(copy);
        return copy;
    }

    private static string Render(List<(string Name, string Value)> fields) =>
        "{" + string.Join(",", fields.Select(f => Quote(f.Name) + ":" + f.Value)) + "}";

    private static string EscapeFirst(string name) =>
        name.Length == 0 ? name : "\\u" + ((int)name[0]).ToString("x4", CultureInfo.InvariantCulture) + name[1..];

    private static string Quote(string text) => "\"" + text + "\"";

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Lets <c>[Property]</c> tests take generated venue frames as parameters.</summary>
public static class TradeFrameArbitrary
{
    public static Arbitrary<BinanceFrame> Binance() => TradeFrameGenerators.Binance.ToArbitrary();

    public static Arbitrary<OkxFrame> Okx() => TradeFrameGenerators.Okx.ToArbitrary();
}
