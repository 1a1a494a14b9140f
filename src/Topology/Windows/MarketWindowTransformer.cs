using CryptoStreams.Schema;
using Streamiz.Kafka.Net.Processors;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace CryptoStreams.Topology;

/// <summary>
/// The <c>market-windows</c> processor: every (source, symbol) candle of each open window (store
/// <c>market-windows</c>, one entry per asset and window). Windows close when the task's <b>frontier</b> passes their
/// end plus grace: the event time up to which every input with records still to read has been read
/// (<see cref="TaskInputs"/>), so a backlog, a restart or a replay closes the same windows with the same ticks as a
/// live run, whichever topic Streamiz fetches first. Closing emits each window's final candles and its consensus, in
/// (window start, asset) order, so how far one step of the frontier reaches does not change the order of the output.
/// A tick for a closed window is <c>late</c>. Oracle rounds pass on to <c>oracle-rounds</c> before the windows they
/// let close, and never move the frontier on their own.
/// <para>
/// Replays after a crash (at-least-once: the store can be ahead of the committed offsets) are idempotent: each candle
/// keeps the offset of its last tick and each asset's gap list the offset of its last report, so a replayed record
/// already counted is skipped; one for a window already closed is recognised by the progress entry (its offset is
/// below the input's next offset then) and skipped without a dead letter. The progress entry is flushed before the
/// closed windows are deleted, so a restored store that lacks a window also knows it closed.
/// </para>
/// </summary>
internal sealed class MarketWindowTransformer : ITransformer<string, TopologyEvent, string, TopologyEvent>
{
    public const string StoreName = "market-windows";

    private readonly TopologySettings? configured;

    // A write-through cache of the store: this processor is the store's only writer, so reads never deserialize.
    private readonly Dictionary<(string Asset, long Start), WindowEntry> windows = [];
    private readonly SortedSet<(long Start, string Asset)> closingOrder = new(WindowOrder.Instance);
    private readonly Dictionary<string, GapEntry> gaps = new(StringComparer.Ordinal);

    // Event time of each open candle's last provisional update. Not stored: after a restart a candle's next tick
    // emits once more, which downstream (an upsert of the same window) absorbs.
    private readonly Dictionary<(string Source, string Symbol, long WindowStart), long> lastProvisional = [];
    private TopologySettings settings = null!;
    private ProcessorContext<string, TopologyEvent> context = null!;
    private IKeyValueStore<string, MarketEntry> store = null!;
    private TaskInputs inputs = null!;
    private bool loaded;
    private long closedUpTo = long.MinValue;
    private bool progressDirty;

    /// <summary>Required by Streamiz's builder, which creates one instance only to learn the type.</summary>
    public MarketWindowTransformer()
    {
    }

    public MarketWindowTransformer(TopologySettings settings) => configured = settings;

    public void Init(ProcessorContext<string, TopologyEvent> context)
    {
        settings = configured ?? throw ProcessorSupport.NotConfigured(nameof(MarketWindowTransformer));
        this.context = context;
        store = (IKeyValueStore<string, MarketEntry>)context.GetStateStore(StoreName);
        inputs = new TaskInputs(context.Id.Partition, settings);

        // Without records the frontier still moves when the last lagging input turns out to be read (its end offset
        // reached): a backlog's last windows close then, not with the next live tick.
        context.Schedule(settings.Options.InputCheckInterval, PunctuationType.PROCESSING_TIME, _ => Punctuate());
    }

    public Record<string, TopologyEvent>? Process(Record<string, TopologyEvent> record)
    {
        LoadOnce();
        var input = inputs.Of(context.Topic);
        var offset = context.Offset;
        long? eventTicks = null;
        switch (record.Value)
        {
            case TickAccepted accepted:
                Apply(record.Key, accepted, input, offset);
                eventTicks = accepted.Tick.EventTime.UtcTicks;
                break;
            case GapAccepted gap:
                Apply(record.Key, gap, input, offset);
                eventTicks = gap.Gap.DetectedAt.UtcTicks;
                break;
            case OracleRoundAccepted round:
                // Before the windows it lets close: their deviation needs it when it is in force at their end.
                context.Forward(record.Key, record.Value);
                eventTicks = round.Round.UpdatedAt.UtcTicks;
                break;
            default:
                context.Forward(record.Key, record.Value);
                break;
        }

        inputs.Processed(input, offset, eventTicks);
        Advance();
        return null;
    }

    public void Close()
    {
        windows.Clear();
        closingOrder.Clear();
        gaps.Clear();
        lastProvisional.Clear();
    }

    private void Punctuate()
    {
        LoadOnce();
        Advance();
        if (progressDirty)
        {
            WriteProgress();
        }
    }

    private void Apply(string asset, TickAccepted accepted, TaskInputs.Input? input, long offset)
    {
        var tick = accepted.Tick;
        var start = settings.WindowStartOf(tick.EventTime.UtcTicks);
        if (settings.ClosesAt(start) <= closedUpTo)
        {
            if (!TaskInputs.AlreadyProcessed(input, offset))
            {
                Late(asset, accepted.Raw, tick.Source, start, $"{tick.Kind} at {tick.EventTime:O}");
            }

            return;
        }

        if (!windows.TryGetValue((asset, start), out var window))
        {
            window = new WindowEntry(asset, start);
            windows[(asset, start)] = window;
            closingOrder.Add((start, asset));
        }

        var candle = window.CandleOf(tick);
        if (candle is null)
        {
            candle = CandleAccumulator.Start(tick);
            window.Candles.Add(candle);
        }
        else if (offset >= 0 && candle.LastOffset >= offset)
        {
            return;
        }
        else
        {
            candle.Add(tick);
        }

        candle.LastOffset = Math.Max(candle.LastOffset, offset);
        store.Put(MarketEntry.WindowKey(asset, start), window);
        if (settings.Options.EmitProvisionalCandles && ProvisionalDue(tick, start))
        {
            var end = start + settings.WindowTicks;
            var coverage = CoverageOf(asset, candle, start, end);
            context.ForwardAt(asset, new CandleEmitted(candle.ToCandle(Time(start), Time(end), coverage, final: false)), Time(start));
        }
    }

    private bool ProvisionalDue(Tick tick, long windowStart)
    {
        var interval = settings.Options.ProvisionalCandleInterval.Ticks;
        if (interval == 0)
        {
            return true;
        }

        var key = (tick.Source, tick.Symbol, windowStart);
        var at = tick.EventTime.UtcTicks;
        if (lastProvisional.TryGetValue(key, out var last) && at < last + interval)
        {
            return false;
        }

        lastProvisional[key] = at;
        return true;
    }

    private void Apply(string asset, GapAccepted accepted, TaskInputs.Input? input, long offset)
    {
        var gap = accepted.Gap;
        var lastWindow = settings.WindowStartOf(gap.To.UtcTicks);
        if (settings.ClosesAt(lastWindow) <= closedUpTo)
        {
            if (!TaskInputs.AlreadyProcessed(input, offset))
            {
                Late(asset, accepted.Raw, gap.Source, lastWindow, $"gap {gap.From:O}–{gap.To:O}");
            }

            return;
        }

        if (gap.Coverage == GapCoverage.Full)
        {
            // Backfill recovered every missed trade: the windows are complete.
            return;
        }

        if (!gaps.TryGetValue(asset, out var entry))
        {
            entry = new GapEntry(asset);
            gaps[asset] = entry;
        }

        if (offset >= 0 && entry.LastOffset >= offset)
        {
            return;
        }

        entry.Gaps.Add(new GapMark(gap.Source, gap.Symbol, gap.From.UtcTicks, gap.To.UtcTicks, gap.DetectedAt.UtcTicks));
        entry.LastOffset = Math.Max(entry.LastOffset, offset);
        store.Put(MarketEntry.GapKey(asset), entry);
    }

    private void Late(string asset, RawInput raw, string source, long windowStart, string what)
    {
        var end = Time(windowStart + settings.WindowTicks);
        var error = $"{what} belongs to window {Time(windowStart):O}–{end:O}, closed at stream time {Time(closedUpTo):O} (grace {settings.Options.Grace})";
        context.Forward(asset, settings.Normaliser.Reject(raw, source, DeadLetterReasons.Late, error));
    }

    private void Advance()
    {
        var frontier = inputs.Frontier();
        if (frontier <= closedUpTo)
        {
            return;
        }

        closedUpTo = frontier;
        progressDirty = true;
        if (closingOrder.Count > 0 && settings.ClosesAt(closingOrder.Min.Start) <= closedUpTo)
        {
            CloseDueWindows();
        }
    }

    private void CloseDueWindows()
    {
        var due = new List<WindowEntry>();
        while (closingOrder.Count > 0 && settings.ClosesAt(closingOrder.Min.Start) <= closedUpTo)
        {
            var (start, asset) = closingOrder.Min;
            closingOrder.Remove((start, asset));
            due.Add(windows[(asset, start)]);
            windows.Remove((asset, start));
        }

        foreach (var window in due)
        {
            EmitFinal(window);
        }

        // The progress first, flushed to the store (and its changelog) before the deletions are written: a store
        // restored after a crash that misses a closed window then also knows the window closed, and does not reopen it
        // with the replayed half of its ticks.
        WriteProgress();
        store.Flush();
        foreach (var window in due)
        {
            store.Delete(MarketEntry.WindowKey(window.Asset, window.StartTicks));
        }

        foreach (var closed in lastProvisional.Keys.Where(k => settings.ClosesAt(k.WindowStart) <= closedUpTo).ToList())
        {
            lastProvisional.Remove(closed);
        }

        foreach (var entry in gaps.Values.ToList())
        {
            if (entry.Gaps.RemoveAll(g => settings.ClosesAt(settings.WindowStartOf(g.ToTicks)) <= closedUpTo) == 0)
            {
                continue;
            }

            if (entry.Gaps.Count == 0)
            {
                gaps.Remove(entry.Asset);
                store.Delete(MarketEntry.GapKey(entry.Asset));
            }
            else
            {
                store.Put(MarketEntry.GapKey(entry.Asset), entry);
            }
        }
    }

    private void EmitFinal(WindowEntry window)
    {
        var asset = window.Asset;
        var start = Time(window.StartTicks);
        var end = Time(window.StartTicks + settings.WindowTicks);
        var finals = window.Candles
            .OrderBy(c => c.Source, StringComparer.Ordinal)
            .ThenBy(c => c.Symbol, StringComparer.Ordinal)
            .Select(c => c.ToCandle(start, end, CoverageOf(asset, c, window.StartTicks, end.UtcTicks), final: true))
            .ToList();
        foreach (var candle in finals)
        {
            context.ForwardAt(asset, new CandleEmitted(candle), start);
        }

        context.ForwardAt(asset, new ConsensusEmitted(settings.Consensus.Compute(asset, start, end, finals)), start);
        settings.Runtime.Metrics.WindowClosed();
        settings.Runtime.Status.RecordWindowClosed(asset, end);
    }

    private Coverage CoverageOf(string asset, CandleAccumulator candle, long start, long end) =>
        gaps.TryGetValue(asset, out var entry) ? entry.CoverageOf(candle, start, end, settings.ClosesAt(start)) : Coverage.Complete;

    private void WriteProgress()
    {
        store.Put(MarketEntry.ProgressKey, inputs.ToProgress(closedUpTo));
        progressDirty = false;
    }

    /// <summary>
    /// After a start or restart the store holds the restored state; read it once to rebuild the cache and the inputs'
    /// progress. Done on the first record or punctuation because restoration completes before either.
    /// </summary>
    private void LoadOnce()
    {
        if (loaded)
        {
            return;
        }

        loaded = true;
        using (var all = store.All().GetEnumerator())
        {
            while (all.MoveNext())
            {
                switch (all.Current.Value)
                {
                    case WindowEntry window:
                        windows[(window.Asset, window.StartTicks)] = window;
                        closingOrder.Add((window.StartTicks, window.Asset));
                        break;
                    case GapEntry entry:
                        gaps[entry.Asset] = entry;
                        break;
                    case ProgressEntry progress:
                        closedUpTo = Math.Max(closedUpTo, progress.ClosedUpTo);
                        inputs.Restore(progress);
                        break;
                }
            }
        }

        // A window whose deletion did not reach the changelog before a crash, though its closing did: close it again
        // (its final records are the same, and downstream upserts them).
        if (closingOrder.Count > 0 && settings.ClosesAt(closingOrder.Min.Start) <= closedUpTo)
        {
            CloseDueWindows();
        }
    }

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private sealed class WindowOrder : IComparer<(long Start, string Asset)>
    {
        public static readonly WindowOrder Instance = new();

        public int Compare((long Start, string Asset) x, (long Start, string Asset) y)
        {
            var byStart = x.Start.CompareTo(y.Start);
            return byStart != 0 ? byStart : string.CompareOrdinal(x.Asset, y.Asset);
        }
    }
}
