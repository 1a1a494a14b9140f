using System.Globalization;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;

namespace CryptoStreams.Topology;

/// <summary>
/// Turns one raw record (topic, key, bytes) into an accepted tick, oracle round or gap, or a dead letter
/// naming exactly what is wrong. The extractors validate too; this is the topology's own guard, because
/// anything can be written to a topic.
/// </summary>
internal sealed class RecordNormaliser
{
    /// <summary>No real market trades above this price or size, and the window sums stay far inside decimal's range.</summary>
    public const decimal MaxPrice = 10_000_000_000m;

    public const decimal MaxSize = 10_000_000_000_000m;

    public const decimal MaxNotional = 1_000_000_000_000_000m;

    private readonly TopologyOptions options;
    private readonly TimeProvider clock;

    public RecordNormaliser(TopologyOptions options, TimeProvider clock)
    {
        this.options = options;
        this.clock = clock;
    }

    public TopologyEvent Normalise(string? key, byte[]? payload, string topic, int? partition, long? offset)
    {
        var raw = new RawInput(payload ?? [], topic, partition, offset);
        var topicSource = topic.StartsWith("raw.", StringComparison.Ordinal) ? topic["raw.".Length..] : topic;
        if (payload is null || payload.Length == 0)
        {
            return Reject(raw, topicSource, DeadLetterReasons.Unparseable, "empty payload");
        }

        try
        {
            return topic switch
            {
                Topics.RawChainlink => Check(key, RecordJson.Deserialize<OracleRound>(payload), raw),
                Topics.RawGaps => Check(key, RecordJson.Deserialize<Gap>(payload), raw),
                _ when Sources.TickSources.Contains(topicSource) => Check(key, RecordJson.Deserialize<Tick>(payload), topicSource, raw),
                _ => Reject(raw, topicSource, DeadLetterReasons.UnknownTopic, $"the topology does not read topic '{topic}'"),
            };
        }
        catch (RecordFormatException ex)
        {
            return Reject(raw, topicSource, DeadLetterReasons.Unparseable, ex.Message);
        }
    }

    public Rejected Reject(RawInput raw, string source, string reason, string error) =>
        new(new DeadLetter(DeadLetterReasons.Stage, source, reason, error, raw.Payload, raw.Topic, raw.Partition, raw.Offset, clock.GetUtcNow()));

    private TopologyEvent Check(string? key, Tick tick, string topicSource, RawInput raw)
    {
        string? reason = null;
        string? error = null;
        if (tick.Source != topicSource)
        {
            (reason, error) = (DeadLetterReasons.SourceMismatch, $"source '{tick.Source}' on topic {raw.Topic}");
        }
        else if (!IsCanonical(tick.Symbol, out var symbolError))
        {
            (reason, error) = (DeadLetterReasons.InvalidSymbol, symbolError);
        }
        else if (key != tick.Asset)
        {
            (reason, error) = (DeadLetterReasons.KeyMismatch, $"key '{key}' but the symbol {tick.Symbol} is asset {tick.Asset}");
        }
        else if (tick.Kind != (Sources.IsPriceApi(tick.Source) ? TickKind.Quote : TickKind.Trade))
        {
            (reason, error) = (DeadLetterReasons.KindMismatch, $"{tick.Kind} from {tick.Source}");
        }
        else if (tick.Price <= 0)
        {
            (reason, error) = (DeadLetterReasons.InvalidPrice, $"price {Text(tick.Price)} is not positive");
        }
        else if (tick.Size < 0)
        {
            (reason, error) = (DeadLetterReasons.InvalidSize, $"size {Text(tick.Size)} is negative");
        }
        else if (tick.Price > MaxPrice || tick.Size > MaxSize || tick.Price * tick.Size > MaxNotional)
        {
            (reason, error) = (DeadLetterReasons.OutOfRange, $"price {Text(tick.Price)} × size {Text(tick.Size)} is beyond any market");
        }
        else if (SkewError(tick.EventTime, tick.ReceiveTime, checkAge: true) is { } skew)
        {
            (reason, error) = (DeadLetterReasons.EventTimeSkew, skew);
        }

        return reason is null ? new TickAccepted(tick, raw) : Reject(raw, topicSource, reason, error!);
    }

    private TopologyEvent Check(string? key, OracleRound round, RawInput raw)
    {
        string? reason = null;
        string? error = null;
        if (round.Source != Sources.Chainlink)
        {
            (reason, error) = (DeadLetterReasons.SourceMismatch, $"source '{round.Source}' on topic {raw.Topic}");
        }
        else if (!IsCanonical(round.Symbol, out var symbolError))
        {
            (reason, error) = (DeadLetterReasons.InvalidSymbol, symbolError);
        }
        else if (key != round.Asset)
        {
            (reason, error) = (DeadLetterReasons.KeyMismatch, $"key '{key}' but the feed {round.Symbol} is asset {round.Asset}");
        }
        else if (!StablecoinPolicy.IsUsdQuoted(round))
        {
            (reason, error) = (DeadLetterReasons.OracleQuoteNotUsd, $"feed {round.Symbol} is not quoted in USD");
        }
        else if (round.Answer <= 0)
        {
            (reason, error) = (DeadLetterReasons.InvalidPrice, $"answer {Text(round.Answer)} is not positive");
        }
        else if (round.Answer > MaxPrice)
        {
            (reason, error) = (DeadLetterReasons.OutOfRange, $"answer {Text(round.Answer)} is beyond any market");
        }
        else if (SkewError(round.UpdatedAt, round.ReceiveTime, checkAge: false) is { } skew)
        {
            (reason, error) = (DeadLetterReasons.EventTimeSkew, skew);
        }

        return reason is null ? new OracleRoundAccepted(round) : Reject(raw, Sources.Chainlink, reason, error!);
    }

    private TopologyEvent Check(string? key, Gap gap, RawInput raw)
    {
        string? reason = null;
        string? error = null;
        if (!IsCanonical(gap.Symbol, out var symbolError))
        {
            (reason, error) = (DeadLetterReasons.InvalidSymbol, symbolError);
        }
        else if (key != gap.Asset)
        {
            (reason, error) = (DeadLetterReasons.KeyMismatch, $"key '{key}' but the symbol {gap.Symbol} is asset {gap.Asset}");
        }
        else if (gap.To < gap.From)
        {
            (reason, error) = (DeadLetterReasons.InvalidRange, $"gap ends ({gap.To:O}) before it starts ({gap.From:O})");
        }

        return reason is null ? new GapAccepted(gap, raw) : Reject(raw, "gaps", reason, error!);
    }

    private string? SkewError(DateTimeOffset eventTime, DateTimeOffset receiveTime, bool checkAge)
    {
        if (eventTime > receiveTime + options.MaxFutureSkew)
        {
            return $"event time {eventTime:O} is more than {options.MaxFutureSkew} after receive time {receiveTime:O}";
        }

        if (checkAge && eventTime < receiveTime - options.MaxEventAge)
        {
            return $"event time {eventTime:O} is more than {options.MaxEventAge} before receive time {receiveTime:O}";
        }

        return null;
    }

    private static bool IsCanonical(string symbol, out string error)
    {
        if (!CanonicalSymbol.TryParse(symbol, out var parsed, out var parseError))
        {
            error = $"symbol '{symbol}': {parseError}";
            return false;
        }

        if (parsed.ToString() != symbol)
        {
            error = $"symbol '{symbol}' is not canonical (expected {parsed})";
            return false;
        }

        error = string.Empty;
        return true;
    }

    private static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);
}
