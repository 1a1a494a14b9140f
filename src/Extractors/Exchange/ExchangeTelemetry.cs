using System.Diagnostics.Metrics;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Counters of the exchange connectors on the <c>CryptoStreams.Extractors</c> meter, tagged by <c>source</c>.
/// </summary>
public sealed class ExchangeTelemetry : IDisposable
{
    public const string MeterName = "CryptoStreams.Extractors";

    private readonly Meter? ownedMeter;
    private readonly Counter<long> ticks;
    private readonly Counter<long> reconnects;
    private readonly Counter<long> gaps;
    private readonly Counter<long> deadLetters;
    private readonly Counter<long> backfilled;
    private readonly Counter<long> duplicates;

    public ExchangeTelemetry(IMeterFactory? meterFactory = null)
    {
        var meter = meterFactory?.Create(MeterName) ?? (ownedMeter = new Meter(MeterName));
        ticks = meter.CreateCounter<long>("cryptostreams.extractors.exchange.ticks", "{tick}", "Trades published by exchange connectors.");
        reconnects = meter.CreateCounter<long>("cryptostreams.extractors.exchange.reconnects", "{reconnect}", "WebSocket reconnects.");
        gaps = meter.CreateCounter<long>("cryptostreams.extractors.exchange.gaps", "{gap}", "Gaps that backfill could not fully cover.");
        deadLetters = meter.CreateCounter<long>("cryptostreams.extractors.exchange.dead_letters", "{frame}", "Frames sent to dlq.extractors.");
        backfilled = meter.CreateCounter<long>("cryptostreams.extractors.exchange.backfilled", "{tick}", "Trades recovered through REST backfill.");
        duplicates = meter.CreateCounter<long>("cryptostreams.extractors.exchange.duplicates", "{tick}", "Trades dropped because their id was already published.");
    }

    public void Tick(string source) => ticks.Add(1, Tag(source));

    public void Reconnect(string source) => reconnects.Add(1, Tag(source));

    public void Gap(string source) => gaps.Add(1, Tag(source));

    public void DeadLetter(string source) => deadLetters.Add(1, Tag(source));

    public void Backfilled(string source, long count) => backfilled.Add(count, Tag(source));

    public void Duplicate(string source) => duplicates.Add(1, Tag(source));

    public void Dispose() => ownedMeter?.Dispose();

    private static KeyValuePair<string, object?> Tag(string source) => new("source", source);
}
