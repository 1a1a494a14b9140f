using System.Diagnostics.Metrics;

namespace CryptoStreams.Extractors.Hosting;

/// <summary>The extractors' instruments, on the meter <c>CryptoStreams.Extractors</c>; every counter is tagged with the source.</summary>
public sealed class ExtractorMetrics
{
    public const string MeterName = "CryptoStreams.Extractors";

    public ExtractorMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        Ticks = meter.CreateCounter<long>("cryptostreams.extractors.ticks", "{tick}", "Ticks published to raw topics");
        OracleRounds = meter.CreateCounter<long>("cryptostreams.extractors.oracle_rounds", "{round}", "New oracle rounds published");
        Gaps = meter.CreateCounter<long>("cryptostreams.extractors.gaps", "{gap}", "Gap records published");
        Candles = meter.CreateCounter<long>("cryptostreams.extractors.candles", "{candle}", "Venue candles published by the candle backfill");
        DeadLetters = meter.CreateCounter<long>("cryptostreams.extractors.dead_letters", "{record}", "Rejected payloads sent to dlq.extractors");
        Restarts = meter.CreateCounter<long>("cryptostreams.extractors.restarts", "{restart}", "Connector crashes followed by a restart");
        Reconnects = meter.CreateCounter<long>("cryptostreams.extractors.reconnects", "{reconnect}", "Disconnects reported by connectors");
        DeliveryErrors = meter.CreateCounter<long>("cryptostreams.extractors.delivery_errors", "{record}", "Records Kafka failed to deliver");
        BackPressureWaits = meter.CreateCounter<long>("cryptostreams.extractors.backpressure_waits", "{wait}", "Times publishing waited for the producer to drain");
    }

    public Counter<long> Ticks { get; }

    public Counter<long> OracleRounds { get; }

    public Counter<long> Gaps { get; }

    public Counter<long> Candles { get; }

    public Counter<long> DeadLetters { get; }

    public Counter<long> Restarts { get; }

    public Counter<long> Reconnects { get; }

    public Counter<long> DeliveryErrors { get; }

    public Counter<long> BackPressureWaits { get; }
}
