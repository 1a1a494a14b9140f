using CryptoStreams.Extractors.Core;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Exchange;

// Backfill coordination: after a reconnect, the trades missed per symbol are fetched from REST while live trades
// are held, then released in order; what REST could not cover becomes a gap record.
public abstract partial class ExchangeConnector
{
    /// <summary>Parses a REST body with the venue's parser; a body it rejects fails the backfill.</summary>
    protected IReadOnlyList<Tick> ReadRestTicks(string channel, RestResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var result = parser.Parse(channel, response.Body, response.ReceivedAt);
        return result.IsRejected
            ? throw new RestCallException($"{channel} response rejected: {result.RejectReason} ({result.RejectDetail})")
            : result.Ticks;
    }

    /// <summary>
    /// Backfill for venues whose history pages go from the newest trade backwards (OKX, Coinbase): fetch pages
    /// until one reaches the anchor trade. If the history ends or the trade budget is spent first, what lies
    /// between the anchor and the oldest fetched trade is still missing.
    /// </summary>
    protected async Task<BackfillResult> BackfillBackwardsAsync(
        long afterId,
        DateTimeOffset afterTime,
        Func<string?, CancellationToken, Task<(IReadOnlyList<Tick> Page, string? NextCursor)>> fetchPage,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(fetchPage);
        var collected = new List<Tick>();
        string? cursor = null;
        var pages = 0;
        while (true)
        {
            var (page, next) = await fetchPage(cursor, cancellationToken).ConfigureAwait(false);
            pages++;
            var reachedAnchor = false;
            foreach (var tick in page)
            {
                var id = TradeIds.Numeric(tick);
                if (id <= afterId)
                {
                    reachedAnchor = true;
                }
                else
                {
                    collected.Add(tick);
                }
            }

            var ordered = collected.OrderBy(TradeIds.Numeric).ToList();
            if (reachedAnchor)
            {
                return BackfillResult.Covered(ordered, $"{ordered.Count} trades from {pages} history pages");
            }

            if (page.Count == 0 || next is null || collected.Count >= options.MaxBackfillTrades)
            {
                var oldest = ordered.Count > 0 ? ordered[0].EventTime : (DateTimeOffset?)null;
                var why = collected.Count >= options.MaxBackfillTrades ? $"stopped at MaxBackfillTrades={options.MaxBackfillTrades}" : "the venue's history ends before the last trade seen";
                return new BackfillResult(ordered, ordered.Count > 0 ? GapCoverage.Partial : GapCoverage.None, afterTime, oldest, $"{why}; {ordered.Count} trades recovered");
            }

            cursor = next;
        }
    }

    private async Task BackfillAfterReconnectAsync(RunState run, CancellationToken sessionToken, CancellationToken runToken)
    {
        // Hold live trades of every symbol with history before the first frame of the new session is read.
        var anchors = new List<(string Symbol, long Id, DateTimeOffset Time)>();
        await run.Gate.WaitAsync(runToken).ConfigureAwait(false);
        try
        {
            foreach (var symbol in Symbols)
            {
                if (run.Ledger.Anchor(symbol) is { } anchor)
                {
                    run.Held[symbol] = [];
                    anchors.Add((symbol, anchor.Id, anchor.Time));
                }
            }
        }
        finally
        {
            run.Gate.Release();
        }

        await Task.Yield();
        foreach (var (symbol, id, time) in anchors)
        {
            BackfillResult result;
            try
            {
                result = await BackfillAsync(symbol, id, time, sessionToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!runToken.IsCancellationRequested)
            {
                result = new BackfillResult([], GapCoverage.None, time, null, "backfill interrupted by another disconnect");
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // Whatever went wrong, the held live trades must still go out and the hole must be reported.
                Logger.BackfillFailed(Source, symbol, ex.Message);
                result = new BackfillResult([], GapCoverage.None, time, null, $"backfill failed: {ex.Message}");
            }

            await CompleteBackfillAsync(run, symbol, result, runToken).ConfigureAwait(false);
        }
    }

    private async Task CompleteBackfillAsync(RunState run, string symbol, BackfillResult result, CancellationToken cancellationToken)
    {
        await run.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var before = run.Ledger.Anchor(symbol);
            long published = 0;
            foreach (var tick in result.Ticks)
            {
                if (await PublishAsync(run, tick, fromBackfill: true, cancellationToken).ConfigureAwait(false))
                {
                    published++;
                }
            }

            run.Held.Remove(symbol, out var held);
            Logger.Backfilled(Source, symbol, published, result.Coverage);
            if (result.Coverage != GapCoverage.Full)
            {
                var now = Time.GetUtcNow();
                var from = result.MissedFrom ?? before?.Time ?? now;
                var to = result.MissedTo ?? (held is { Count: > 0 } ? held[0].EventTime : now);
                var detail = $"disconnect: {run.LastDisconnect}; {result.Detail}";
                var gap = new Gap(Source, symbol, from, to < from ? from : to, published, result.Coverage, detail, now);
                await run.Sink.PublishGapAsync(gap, cancellationToken).ConfigureAwait(false);
                status.Gap();
                telemetry.Gap(Source);
                Logger.GapPublished(Source, symbol, gap.From, gap.To, detail);
            }

            foreach (var tick in held ?? [])
            {
                await PublishAsync(run, tick, fromBackfill: false, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            run.Gate.Release();
        }
    }
}
