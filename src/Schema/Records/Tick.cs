namespace CryptoStreams.Schema;

/// <summary>What a tick reports: an executed trade (with size and side) or a polled quote (price only).</summary>
public enum TickKind
{
    Trade,
    Quote,
}

/// <summary>The taker's side of a trade: the side that crossed the spread. <see cref="Unknown"/> for quotes.</summary>
public enum TradeSide
{
    Unknown,
    Buy,
    Sell,
}

/// <summary>
/// One validated price observation from a venue or price API, as written to a <c>raw.&lt;source&gt;</c> topic.
/// Keyed by <see cref="Asset"/>; the record timestamp is <see cref="EventTime"/>.
/// </summary>
/// <param name="Source">The venue or API, lower case (<see cref="Sources"/>).</param>
/// <param name="Kind">Trade or quote.</param>
/// <param name="Symbol">Canonical <c>BASE-QUOTE</c> symbol, as the venue quotes it (USDT stays USDT).</param>
/// <param name="Price">Price in the quote currency, parsed from the payload's text.</param>
/// <param name="Size">Traded base quantity; zero for quotes.</param>
/// <param name="Side">Taker side for trades.</param>
/// <param name="TradeId">The venue's trade id (unique per venue and symbol), null for quotes.</param>
/// <param name="EventTime">When the venue says it happened (UTC).</param>
/// <param name="ReceiveTime">When we received it (UTC).</param>
public sealed record Tick(
    string Source,
    TickKind Kind,
    string Symbol,
    decimal Price,
    decimal Size,
    TradeSide Side,
    string? TradeId,
    DateTimeOffset EventTime,
    DateTimeOffset ReceiveTime)
{
    /// <summary>The base currency of <see cref="Symbol"/>: the Kafka key of every topic.</summary>
    public string Asset => CanonicalSymbol.AssetOf(Symbol);
}
