using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Hosting;

/// <summary>
/// Wraps the real sink so everything a connector publishes is counted per source (status view and metrics)
/// on its way to Kafka; connectors need not count anything themselves.
/// </summary>
public sealed class StatusRecordingSink(IRawSink inner, ExtractorStatus status, ExtractorMetrics metrics) : IRawSink
{
    public async ValueTask PublishTickAsync(Tick tick, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tick);
        await inner.PublishTickAsync(tick, cancellationToken).ConfigureAwait(false);
        status.TickPublished(tick.Source, tick.ReceiveTime);
        metrics.Ticks.Add(1, new KeyValuePair<string, object?>("source", tick.Source));
    }

    public async ValueTask PublishOracleRoundAsync(OracleRound round, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(round);
        await inner.PublishOracleRoundAsync(round, cancellationToken).ConfigureAwait(false);
        status.OracleRoundPublished(round.Source);
        metrics.OracleRounds.Add(1, new KeyValuePair<string, object?>("source", round.Source));
    }

    public async ValueTask PublishGapAsync(Gap gap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gap);
        await inner.PublishGapAsync(gap, cancellationToken).ConfigureAwait(false);
        status.GapPublished(gap.Source);
        metrics.Gaps.Add(1, new KeyValuePair<string, object?>("source", gap.Source));
    }

    public async ValueTask PublishCandleAsync(Candle candle, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(candle);
        await inner.PublishCandleAsync(candle, cancellationToken).ConfigureAwait(false);
        status.CandlePublished(candle.Source);
        metrics.Candles.Add(1, new KeyValuePair<string, object?>("source", candle.Source));
    }

    public async ValueTask PublishDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(letter);
        await inner.PublishDeadLetterAsync(letter, cancellationToken).ConfigureAwait(false);
        status.DeadLetterPublished(letter.Source);
        metrics.DeadLetters.Add(1, new KeyValuePair<string, object?>("source", letter.Source));
    }
}
