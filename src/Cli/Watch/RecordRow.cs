using System.Globalization;
using System.Text;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Spectre.Console;

namespace CryptoStreams.Cli.Watch;

/// <summary>One record as <c>watch</c> shows it: when, what, who, and the values (Spectre markup).</summary>
/// <param name="Time">Event time or window of the record (UTC), already formatted.</param>
/// <param name="Symbol">Canonical symbol, or the key when the value has none.</param>
/// <param name="Source">Venue, oracle, stage or record kind.</param>
/// <param name="Values">The values as Spectre markup, colour included.</param>
internal sealed record RecordRow(string Time, string Symbol, string Source, string Values)
{
    /// <summary>The values without markup, for tests and plain logs.</summary>
    public string PlainValues => Markup.Remove(Values);
}

/// <summary>Which record type a topic carries, decided by its name (every topic holds one type).</summary>
internal enum TopicRecordType
{
    Tick,
    OracleRound,
    Gap,
    Candle,
    Consensus,
    Deviation,
    CrossoverSignal,
    DeadLetter,
    Unknown,
}

/// <summary>Turns the bytes of a topic's records into <see cref="RecordRow"/>s.</summary>
internal static class RecordRows
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss.fff";

    public static TopicRecordType TypeOf(string topic)
    {
        ArgumentNullException.ThrowIfNull(topic);
        return topic switch
        {
            Topics.RawChainlink => TopicRecordType.OracleRound,
            Topics.RawGaps => TopicRecordType.Gap,
            Topics.RawCandles => TopicRecordType.Candle,
            Topics.Prices1m => TopicRecordType.Candle,
            Topics.Consensus1m => TopicRecordType.Consensus,
            Topics.Deviation1m => TopicRecordType.Deviation,
            Topics.SignalsCrossover => TopicRecordType.CrossoverSignal,
            _ when topic.StartsWith("raw.", StringComparison.Ordinal) => TopicRecordType.Tick,
            _ when topic.StartsWith("dlq.", StringComparison.Ordinal) => TopicRecordType.DeadLetter,
            _ => TopicRecordType.Unknown,
        };
    }

    /// <summary>
    /// Reads one record of <paramref name="type"/>. A value that does not parse is still shown (as text, in red,
    /// with the parse error), because watching is how one finds such records.
    /// </summary>
    public static RecordRow Format(TopicRecordType type, string? key, ReadOnlySpan<byte> value, DateTimeOffset timestamp)
    {
        try
        {
            return type switch
            {
                TopicRecordType.Tick => Of(RecordJson.Deserialize<Tick>(value)),
                TopicRecordType.OracleRound => Of(RecordJson.Deserialize<OracleRound>(value)),
                TopicRecordType.Gap => Of(RecordJson.Deserialize<Gap>(value)),
                TopicRecordType.Candle => Of(RecordJson.Deserialize<Candle>(value)),
                TopicRecordType.Consensus => Of(RecordJson.Deserialize<Consensus>(value)),
                TopicRecordType.Deviation => Of(RecordJson.Deserialize<Deviation>(value)),
                TopicRecordType.CrossoverSignal => Of(RecordJson.Deserialize<CrossoverSignal>(value)),
                TopicRecordType.DeadLetter => Of(RecordJson.Deserialize<DeadLetter>(value)),
                _ => new RecordRow(Time(timestamp), key ?? string.Empty, string.Empty, Markup.Escape(Encoding.UTF8.GetString(value))),
            };
        }
        catch (RecordFormatException ex)
        {
            return new RecordRow(Time(timestamp), key ?? string.Empty, "unreadable",
                $"[red]{Markup.Escape(ex.Message)}[/] {Markup.Escape(Encoding.UTF8.GetString(value))}");
        }
    }

    public static RecordRow Of(Tick tick)
    {
        ArgumentNullException.ThrowIfNull(tick);
        var values = tick.Kind == TickKind.Trade
            ? $"trade [bold]{N(tick.Price)}[/] × {N(tick.Size)} {Side(tick.Side)}" + (tick.TradeId is null ? string.Empty : $" [grey]#{Markup.Escape(tick.TradeId)}[/]")
            : $"quote [bold]{N(tick.Price)}[/]";
        return new RecordRow(Time(tick.EventTime), tick.Symbol, tick.Source, values);
    }

    public static RecordRow Of(OracleRound round)
    {
        ArgumentNullException.ThrowIfNull(round);
        return new RecordRow(Time(round.UpdatedAt), round.Symbol, round.Source,
            $"answer [bold]{N(round.Answer)}[/] round {round.RoundId} [grey]{Markup.Escape(round.FeedAddress)}[/]");
    }

    public static RecordRow Of(Gap gap)
    {
        ArgumentNullException.ThrowIfNull(gap);
        var colour = gap.Coverage switch
        {
            GapCoverage.Full => "green",
            GapCoverage.Partial => "yellow",
            _ => "red",
        };
        return new RecordRow(Time(gap.From), gap.Symbol, gap.Source,
            $"gap until {Time(gap.To)} ({(gap.To - gap.From).TotalSeconds:0.#} s), backfilled {gap.Backfilled} [{colour}]{gap.Coverage.ToString().ToLowerInvariant()}[/] [grey]{Markup.Escape(gap.Detail)}[/]");
    }

    public static RecordRow Of(Candle candle)
    {
        ArgumentNullException.ThrowIfNull(candle);
        var direction = candle.Close > candle.Open ? "green" : candle.Close < candle.Open ? "red" : "default";
        var state = candle.Final ? "[bold]final[/]" : "[grey]provisional[/]";
        var coverage = candle.Coverage == Coverage.Partial ? " [yellow]partial[/]" : string.Empty;
        var volume = candle.Kind == TickKind.Trade ? $" vwap {N(candle.Vwap)} vol {N(candle.Volume)}" : $" mean {N(candle.Vwap)}";
        return new RecordRow(Window(candle.WindowStart, candle.WindowEnd), candle.Symbol, candle.Source,
            $"O {N(candle.Open)} H {N(candle.High)} L {N(candle.Low)} C [{direction}]{N(candle.Close)}[/]{volume} n={candle.Count} {state}{coverage}");
    }

    public static RecordRow Of(Consensus consensus)
    {
        ArgumentNullException.ThrowIfNull(consensus);
        var excluded = consensus.SourcesExcluded.Count == 0
            ? string.Empty
            : " [yellow]excluded " + Markup.Escape(string.Join(", ", consensus.SourcesExcluded.Select(e => $"{e.Source} ({e.Reason})"))) + "[/]";
        return new RecordRow(Window(consensus.WindowStart, consensus.WindowEnd), consensus.Symbol, "consensus",
            $"median [bold]{N(consensus.Median)}[/] api mean {N(consensus.ApiMean)} from {Markup.Escape(string.Join(",", consensus.SourcesUsed))}{excluded}"
            + (consensus.Final ? string.Empty : " [grey]provisional[/]"));
    }

    public static RecordRow Of(Deviation deviation)
    {
        ArgumentNullException.ThrowIfNull(deviation);
        var magnitude = Math.Abs(deviation.DeviationPercent);
        var colour = magnitude >= 1m ? "red" : magnitude >= 0.5m ? "yellow" : "green";
        var api = deviation.ApiDeviationPercent is { } apiDev ? $" vs api mean {Pct(apiDev)}" : string.Empty;
        return new RecordRow(Window(deviation.WindowStart, deviation.WindowEnd), deviation.Symbol, deviation.OracleSource,
            $"[{colour} bold]{Pct(deviation.DeviationPercent)}[/] oracle {N(deviation.OraclePrice)} vs {N(deviation.ConsensusPrice)}{api} [grey]stale {deviation.StalenessSeconds.ToString("0", CultureInfo.InvariantCulture)} s, round {deviation.OracleRoundId}[/]");
    }

    public static RecordRow Of(CrossoverSignal signal)
    {
        ArgumentNullException.ThrowIfNull(signal);
        var direction = signal.Direction == CrossoverDirection.Golden ? "[green bold]▲ golden[/]" : "[red bold]▼ death[/]";
        return new RecordRow(Window(signal.WindowStart, signal.WindowEnd), signal.Symbol, $"{signal.Average.ToString().ToUpperInvariant()} {signal.ShortLength}/{signal.LongLength}",
            $"{direction} short {N(signal.ShortAverage)} long {N(signal.LongAverage)} close {N(signal.Close)}");
    }

    public static RecordRow Of(DeadLetter letter)
    {
        ArgumentNullException.ThrowIfNull(letter);
        var origin = letter.Topic is null ? string.Empty : $" [grey]{Markup.Escape(letter.Topic)}[[{letter.Partition}]]@{letter.Offset}[/]";
        return new RecordRow(Time(letter.Time), letter.Source, letter.Stage,
            $"[red]{Markup.Escape(letter.Reason)}[/] {Markup.Escape(letter.Error)}{origin} [grey]{letter.Payload.Length} B[/]");
    }

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    private static string Window(DateTimeOffset start, DateTimeOffset end) =>
        $"{start.UtcDateTime.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture)}+{(end - start).TotalMinutes:0.##}m";

    private static string N(decimal? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "–";

    private static string Pct(decimal value) => value.ToString("+0.0000;-0.0000;0.0000", CultureInfo.InvariantCulture) + "%";

    private static string Side(TradeSide side) => side switch
    {
        TradeSide.Buy => "[green]buy[/]",
        TradeSide.Sell => "[red]sell[/]",
        _ => string.Empty,
    };
}
