using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Simulation;

/// <summary>One record of the simulated market: exactly one of the four payloads is set.</summary>
public sealed record SimulatedRecord(DateTimeOffset Time, Tick? Tick = null, OracleRound? OracleRound = null, Gap? Gap = null, DeadLetter? DeadLetter = null)
{
    public ValueTask PublishAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (Tick is not null)
        {
            return sink.PublishTickAsync(Tick, cancellationToken);
        }

        if (OracleRound is not null)
        {
            return sink.PublishOracleRoundAsync(OracleRound, cancellationToken);
        }

        if (Gap is not null)
        {
            return sink.PublishGapAsync(Gap, cancellationToken);
        }

        return sink.PublishDeadLetterAsync(DeadLetter ?? throw new InvalidOperationException("empty simulated record"), cancellationToken);
    }
}
