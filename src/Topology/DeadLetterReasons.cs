namespace CryptoStreams.Topology;

/// <summary>The reason codes the topology writes on <c>dlq.topology</c>. Stable: dashboards and the README name them.</summary>
public static class DeadLetterReasons
{
    public const string Stage = "topology";

    /// <summary>Not a JSON record of the topic's type (or an empty payload).</summary>
    public const string Unparseable = "unparseable";

    /// <summary>The payload came from a topic the topology does not read.</summary>
    public const string UnknownTopic = "unknown-topic";

    /// <summary>The record's source is not the one its topic belongs to.</summary>
    public const string SourceMismatch = "source-mismatch";

    /// <summary>The symbol is not a canonical <c>BASE-QUOTE</c> pair.</summary>
    public const string InvalidSymbol = "invalid-symbol";

    /// <summary>The Kafka key is not the record's asset.</summary>
    public const string KeyMismatch = "key-mismatch";

    /// <summary>A trade from a price API or a quote from an exchange.</summary>
    public const string KindMismatch = "kind-mismatch";

    /// <summary>Price (or oracle answer) zero or negative.</summary>
    public const string InvalidPrice = "invalid-price";

    /// <summary>Negative trade size.</summary>
    public const string InvalidSize = "invalid-size";

    /// <summary>Price, size or notional beyond any real market (and beyond what the aggregates can sum).</summary>
    public const string OutOfRange = "out-of-range";

    /// <summary>Event time too far ahead of, or too long before, the receive time.</summary>
    public const string EventTimeSkew = "event-time-skew";

    /// <summary>An oracle feed not quoted in USD: the consensus it would be compared with is in USD.</summary>
    public const string OracleQuoteNotUsd = "oracle-quote-not-usd";

    /// <summary>A gap whose end is before its start.</summary>
    public const string InvalidRange = "invalid-range";

    /// <summary>The record's window had already closed (stream time past window end + grace).</summary>
    public const string Late = "late";
}
