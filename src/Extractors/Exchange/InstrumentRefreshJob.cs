using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Reloads a venue's instrument list (default twice a day, and once at start) into <see cref="VenueInstruments"/>,
/// and logs which of the symbols the venue should carry it does not list or lists as not trading. The connector
/// reacts to the new list by itself (it leaves those symbols out of its subscription). An answer that cannot be read
/// is dead-lettered and the previous list stays in force.
/// </summary>
public sealed class InstrumentRefreshJob(IVenueReferenceApi api, ExchangeOptions options, ExchangeJobContext context, VenueInstruments instruments, StreamedSymbols symbols)
    : VenueRestJob(api, options, context, instruments, symbols)
{
    public override ScheduledJobKind Kind => ScheduledJobKind.InstrumentRefresh;

    public override async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sink);
        var response = await GetAsync(Api.InstrumentsPath, FrameChannels.Instruments, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<VenueInstrument> list;
        try
        {
            list = Api.ReadInstruments(response.Body);
        }
        catch (VenuePayloadException ex)
        {
            await sink.PublishDeadLetterAsync(DeadLetters.ForFrame(Source, ex.Reason, "instrument list: " + ex.Message, response.Body, response.ReceivedAt), cancellationToken).ConfigureAwait(false);
            throw;
        }

        Instruments.Update(Source, list, Time.GetUtcNow());
        var (_, unavailable) = Instruments.Split(Source, Symbols.Current());
        var described = unavailable.Count == 0 ? "none" : string.Join("; ", unavailable);
        Logger.InstrumentsRefreshed(Source, list.Count, described);
    }
}
