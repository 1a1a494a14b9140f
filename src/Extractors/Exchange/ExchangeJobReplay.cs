using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Recording;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Replays a venue's recorded scheduled-job answers (<c>job:…</c> channels): candles into <c>raw.candles</c> through
/// the same reader and <see cref="CandleLedger"/> the live job used; instrument lists publish nothing.
/// </summary>
public sealed class ExchangeJobReplay(IVenueReferenceApi api) : IRecordedFrameReplay
{
    public string Source => api.Source;

    public bool Reads(string channel) => channel is not null && channel.StartsWith(FrameChannels.JobPrefix, StringComparison.Ordinal);

    public IRecordedFrameReader Begin() => new Reader(api);

    private sealed class Reader(IVenueReferenceApi api) : IRecordedFrameReader
    {
        private readonly CandleLedger ledger = new();

        public async ValueTask<ReplayedFrame> PublishAsync(RecordedFrame frame, IRawSink sink, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(frame);
            if (FrameChannels.CandlesSymbolOf(frame.Channel) is not { } symbol)
            {
                // Instrument lists steer the live connector; they carry nothing for the raw topics.
                return new ReplayedFrame(0, Rejected: false);
            }

            var outcome = await ledger.PublishAsync(api, symbol, frame.Frame, frame.ReceivedAt, sink, cancellationToken).ConfigureAwait(false);
            return new ReplayedFrame(outcome.Published, outcome.Rejected is not null);
        }
    }
}
