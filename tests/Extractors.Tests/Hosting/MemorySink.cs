using System.Collections.Concurrent;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Tests.Hosting;

/// <summary>Keeps everything published, in order, for assertions.</summary>
internal sealed class MemorySink : IRawSink
{
    private readonly ConcurrentQueue<object> _all = new();

    public IReadOnlyList<object> All => [.. _all];

    public IReadOnlyList<Tick> Ticks => [.. _all.OfType<Tick>()];

    public IReadOnlyList<OracleRound> Rounds => [.. _all.OfType<OracleRound>()];

    public IReadOnlyList<Gap> Gaps => [.. _all.OfType<Gap>()];

    public IReadOnlyList<DeadLetter> DeadLetters => [.. _all.OfType<DeadLetter>()];

    public IReadOnlyList<Candle> Candles => [.. _all.OfType<Candle>()];

    public ValueTask PublishTickAsync(Tick tick, CancellationToken cancellationToken) => Add(tick);

    public ValueTask PublishOracleRoundAsync(OracleRound round, CancellationToken cancellationToken) => Add(round);

    public ValueTask PublishGapAsync(Gap gap, CancellationToken cancellationToken) => Add(gap);

    public ValueTask PublishDeadLetterAsync(DeadLetter letter, CancellationToken cancellationToken) => Add(letter);

    public ValueTask PublishCandleAsync(Candle candle, CancellationToken cancellationToken) => Add(candle);

    private ValueTask Add(object record)
    {
        _all.Enqueue(record);
        return ValueTask.CompletedTask;
    }
}
