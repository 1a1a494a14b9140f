namespace CryptoStreams.Schema;

/// <summary>Golden: the short average crossed above the long one. Death: it crossed below.</summary>
public enum CrossoverDirection
{
    Golden,
    Death,
}

/// <summary>Simple or exponential moving average.</summary>
public enum MovingAverageKind
{
    Sma,
    Ema,
}

/// <summary>A moving-average crossover on final window closes (<c>signals.crossover</c>).</summary>
/// <param name="Symbol">Symbol whose closes were averaged (the consensus symbol, e.g. <c>BTC-USD</c>).</param>
/// <param name="Direction">Golden or death cross.</param>
/// <param name="Average">SMA or EMA.</param>
/// <param name="ShortLength">Short average length, in windows.</param>
/// <param name="LongLength">Long average length, in windows.</param>
/// <param name="ShortAverage">Short average after this window.</param>
/// <param name="LongAverage">Long average after this window.</param>
/// <param name="Close">The window close that caused the cross.</param>
/// <param name="WindowStart">Inclusive window start (UTC).</param>
/// <param name="WindowEnd">Exclusive window end (UTC).</param>
public sealed record CrossoverSignal(
    string Symbol,
    CrossoverDirection Direction,
    MovingAverageKind Average,
    int ShortLength,
    int LongLength,
    decimal ShortAverage,
    decimal LongAverage,
    decimal Close,
    DateTimeOffset WindowStart,
    DateTimeOffset WindowEnd)
{
    public string Asset => CanonicalSymbol.AssetOf(Symbol);
}
