using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Recording;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Chainlink;

/// <summary>
/// Replays recorded <c>eth_call</c> answers (<c>rpc:&lt;method&gt;:&lt;symbol&gt;:&lt;feed address&gt;</c>) through
/// <see cref="ChainlinkRounds"/>, as the live connector read them: in recorded order, one round per new round id.
/// </summary>
public sealed class ChainlinkRecordingReplay : IRecordedFrameReplay
{
    public string Source => Sources.Chainlink;

    public bool Reads(string channel) => channel is not null && channel.StartsWith("rpc:", StringComparison.Ordinal);

    public IRecordedFrameReader Begin() => new Reader();

    private sealed class Reader : IRecordedFrameReader
    {
        private readonly ChainlinkRounds _rounds = new();

        public async ValueTask<ReplayedFrame> PublishAsync(RecordedFrame frame, IRawSink sink, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(frame);
            ArgumentNullException.ThrowIfNull(sink);
            if (!ChainlinkRounds.TryParseChannel(frame.Channel, out var method, out var symbol, out var address))
            {
                return new ReplayedFrame(0, Rejected: false, Skipped: true);
            }

            string result;
            try
            {
                result = EthJsonRpcClient.ReadResult(frame.Frame);
            }
            catch (JsonRpcException ex)
            {
                await sink.PublishDeadLetterAsync(DeadLetters.ForFrame(Sources.Chainlink, "rpc-error", $"{symbol} {method}(): {ex.Message}", frame.Frame, frame.ReceivedAt), cancellationToken).ConfigureAwait(false);
                return new ReplayedFrame(0, Rejected: true);
            }

            var outcome = method == ChainlinkRounds.DecimalsMethod
                ? await _rounds.ReadDecimalsAsync(symbol, address, result, frame.Frame, frame.ReceivedAt, sink, cancellationToken).ConfigureAwait(false)
                : await _rounds.ReadLatestRoundAsync(symbol, address, result, frame.Frame, frame.ReceivedAt, sink, cancellationToken).ConfigureAwait(false);
            return new ReplayedFrame(outcome == ChainlinkRounds.Outcome.Published ? 1 : 0, outcome == ChainlinkRounds.Outcome.DeadLettered);
        }
    }
}
