using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Core;

/// <summary>
/// Where connectors put what they extract. The Kafka implementation writes each record to its raw topic
/// keyed by asset with the event time as timestamp; tests use an in-memory one. Implementations apply
/// back-pressure: the returned task completes when the record is accepted, not when it is delivered.
/// </summary>
public interface IRawSink
{
    ValueTask PublishTickAsync(Tick tick, CancellationToken cancellationToken);

    ValueTask PublishOracleRoundAsync(OracleRound round, CancellationToken cancellationToken);

    ValueTask PublishGapAsync(Gap gap, CancellationToken cancellationToken);

    /// <summary>A venue's own finished candle (the hourly candle backfill), to <c>raw.candles</c>.</summary>
    ValueTask PublishCandleAsync(Candle candle, CancellationToken cancellationToken);

    /// <summary>Sends rejected input to <c>dlq.extractors</c> with the reason; the connector carries on.</summary>
    ValueTask PublishDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken);
}

/// <summary>A sink that buffers and can be drained: the host flushes it when the connectors have stopped.</summary>
public interface IFlushableRawSink : IRawSink
{
    /// <summary>Waits until everything accepted so far is delivered (or failed and was counted).</summary>
    Task FlushAsync(CancellationToken cancellationToken);
}
