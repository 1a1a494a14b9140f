using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Reloads a venue's instrument list (default twice a day, and once at start) into <see cref="VenueInstruments"/>,
/// and logs which of the symbols the venue should carry it does not list or lists as not trading. The connector
/// reacts to the new list by itself (it leaves those symbols out of its subscription). An answer that cannot be read
/// is dead-lettered and the previous list stays in force.
/// </summary>
public sealed class InstrumentRefreshJob : IScheduledJob
{
    private readonly IVenueReferenceApi api;
    private readonly RestGateway rest;
    private readonly Uri restBase;
    private readonly VenueInstruments instruments;
    private readonly StreamedSymbols symbols;
    private readonly TimeProvider time;
    private readonly ILogger logger;

    public InstrumentRefreshJob(IVenueReferenceApi api, ExchangeOptions options, ExchangeJobContext context, VenueInstruments instruments, StreamedSymbols symbols)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        this.api = api;
        this.instruments = instruments;
        this.symbols = symbols;
        time = context.Time;
        logger = context.LoggerFactory.CreateLogger<InstrumentRefreshJob>();
        rest = context.Gateway(api.Source, options, logger);
        restBase = new Uri(options.RestUrl.TrimEnd('/') + "/");
    }

    public string Source => api.Source;

    public ScheduledJobKind Kind => ScheduledJobKind.InstrumentRefresh;

    public async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var response = await rest.GetAsync(new Uri(restBase, api.InstrumentsPath), FrameChannels.Instruments, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<VenueInstrument> list;
        try
        {
            list = api.ReadInstruments(response.Body);
        }
        catch (VenuePayloadException ex)
        {
            await sink.PublishDeadLetterAsync(DeadLetters.ForFrame(Source, ex.Reason, "instrument list: " + ex.Message, response.Body, response.ReceivedAt), cancellationToken).ConfigureAwait(false);
            throw;
        }

        instruments.Update(Source, list, time.GetUtcNow());
        var (_, unavailable) = instruments.Split(Source, symbols.Current());
        var described = unavailable.Count == 0 ? "none" : string.Join("; ", unavailable);
        logger.InstrumentsRefreshed(Source, list.Count, described);
    }
}
