using CryptoStreams.Schema;
using Streamiz.Kafka.Net.Processors.Public;
using Streamiz.Kafka.Net.State;

namespace CryptoStreams.Topology;

/// <summary>
/// The <c>market-windows</c> processor: one windowed state per asset (store <c>market-windows</c>) holding every
/// (source, symbol) candle of each open window. Stream time is the latest event time of any accepted tick in
/// this task; when it passes a window's end plus grace the window closes: its final candles and its consensus
/// are emitted, in that order, from this one processor. A tick for a closed window is rejected as <c>late</c>.
/// Stream time deliberately ignores rejected records, so one absurd timestamp cannot close every window, and
/// oracle rounds: while a backlog is caught up Streamiz reads each partition in chunks of equal bytes, and the
/// sparse oracle topic's chunk reaches many minutes further in event time than the tick topics' — were rounds
/// to move stream time, every tick behind them would be late. Rounds wait in <c>oracle-rounds</c> until the
/// windows they belong to close.
/// </summary>
internal sealed class MarketWindowTransformer : ITransformer<string, TopologyEvent, string, TopologyEvent>
{
    public const string StoreName = "market-windows";

    private readonly TopologySettings? configured;

    // A write-through cache of the store: this processor is the store's only writer, so reads never need
    // to deserialize; every change is still written to the store (and so to its changelog) at once.
    private readonly Dictionary<string, AssetWindows> assets = new(StringComparer.Ordinal);

    // Event time of each open candle's last provisional update. Not stored: after a restart a candle's next tick
    // emits once more, which downstream (an upsert of the same window) absorbs.
    private readonly Dictionary<(string Source, string Symbol, long WindowStart), long> lastProvisional = [];
    private TopologySettings settings = null!;
    private ProcessorContext<string, TopologyEvent> context = null!;
    private IKeyValueStore<string, AssetWindows> store = null!;
    private bool loaded;
    private long streamTicks = long.MinValue;
    private long nextCloseTicks = long.MaxValue;

    /// <summary>Required by Streamiz's builder, which creates one instance only to learn the type.</summary>
    public MarketWindowTransformer()
    {
    }

    public MarketWindowTransformer(TopologySettings settings) => configured = settings;

    public void Init(ProcessorContext<string, TopologyEvent> context)
    {
        settings = configured ?? throw ProcessorSupport.NotConfigured(nameof(MarketWindowTransformer));
        this.context = context;
        store = (IKeyValueStore<string, AssetWindows>)context.GetStateStore(StoreName);
    }

    public Record<string, TopologyEvent>? Process(Record<string, TopologyEvent> record)
    {
        LoadOnce();
        switch (record.Value)
        {
            case TickAccepted accepted:
                AdvanceStreamTime(accepted.Tick.EventTime.UtcTicks);
                Apply(record.Key, accepted);
                return null;
            case OracleRoundAccepted:
                return record;
            case GapAccepted gap:
                Apply(record.Key, gap);
                return null;
            default:
                return record;
        }
    }

    public void Close()
    {
        assets.Clear();
        lastProvisional.Clear();
    }

    private void Apply(string asset, TickAccepted accepted)
    {
        var tick = accepted.Tick;
        var start = settings.WindowStartOf(tick.EventTime.UtcTicks);
        if (settings.ClosesAt(start) <= streamTicks)
        {
            Late(asset, accepted.Raw, tick.Source, start, $"{tick.Kind} at {tick.EventTime:O}");
            return;
        }

        var state = StateOf(asset);
        state.LatestEventTicks = Math.Max(state.LatestEventTicks, tick.EventTime.UtcTicks);
        var candle = state.WindowAt(start).Add(tick);
        nextCloseTicks = Math.Min(nextCloseTicks, settings.ClosesAt(start));
        store.Put(asset, state);
        if (settings.Options.EmitProvisionalCandles && ProvisionalDue(tick, start))
        {
            var end = start + settings.WindowTicks;
            context.ForwardAt(asset, new CandleEmitted(candle.ToCandle(Time(start), Time(end), state.CoverageOf(candle, start, end), final: false)), Time(start));
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

    private void Apply(string asset, GapAccepted accepted)
    {
        var gap = accepted.Gap;
        var lastWindow = settings.WindowStartOf(gap.To.UtcTicks);
        if (settings.ClosesAt(lastWindow) <= streamTicks)
        {
            Late(asset, accepted.Raw, gap.Source, lastWindow, $"gap {gap.From:O}–{gap.To:O}");
            return;
        }

        if (gap.Coverage == GapCoverage.Full)
        {
            // Backfill recovered every missed trade: the windows are complete.
            return;
        }

        var state = StateOf(asset);
        state.Gaps.Add(new GapMark(gap.Source, gap.Symbol, gap.From.UtcTicks, gap.To.UtcTicks));
        store.Put(asset, state);
    }

    private void Late(string asset, RawInput raw, string source, long windowStart, string what)
    {
        var end = Time(windowStart + settings.WindowTicks);
        var error = $"{what} belongs to window {Time(windowStart):O}–{end:O}, closed at stream time {Time(streamTicks):O} (grace {settings.Options.Grace})";
        context.Forward(asset, settings.Normaliser.Reject(raw, source, DeadLetterReasons.Late, error));
    }

    private void AdvanceStreamTime(long eventTicks)
    {
        if (eventTicks <= streamTicks)
        {
            return;
        }

        streamTicks = eventTicks;
        if (streamTicks >= nextCloseTicks)
        {
            CloseDueWindows();
        }
    }

    private void CloseDueWindows()
    {
        var next = long.MaxValue;
        foreach (var closed in lastProvisional.Keys.Where(k => settings.ClosesAt(k.WindowStart) <= streamTicks).ToList())
        {
            lastProvisional.Remove(closed);
        }

        foreach (var asset in assets.Keys.Order(StringComparer.Ordinal).ToList())
        {
            var state = assets[asset];
            var changed = false;
            while (state.Windows.Count > 0 && settings.ClosesAt(state.Windows[0].StartTicks) <= streamTicks)
            {
                EmitFinal(asset, state, state.Windows[0]);
                state.Windows.RemoveAt(0);
                changed = true;
            }

            changed |= state.Gaps.RemoveAll(g => settings.ClosesAt(settings.WindowStartOf(g.ToTicks)) <= streamTicks) > 0;
            if (changed)
            {
                store.Put(asset, state);
            }

            if (state.Windows.Count > 0)
            {
                next = Math.Min(next, settings.ClosesAt(state.Windows[0].StartTicks));
            }
        }

        nextCloseTicks = next;
    }

    private void EmitFinal(string asset, AssetWindows state, OpenWindow window)
    {
        var start = Time(window.StartTicks);
        var end = Time(window.StartTicks + settings.WindowTicks);
        var finals = window.Candles
            .OrderBy(c => c.Source, StringComparer.Ordinal)
            .ThenBy(c => c.Symbol, StringComparer.Ordinal)
            .Select(c => c.ToCandle(start, end, state.CoverageOf(c, window.StartTicks, end.UtcTicks), final: true))
            .ToList();
        foreach (var candle in finals)
        {
            context.ForwardAt(asset, new CandleEmitted(candle), start);
        }

        context.ForwardAt(asset, new ConsensusEmitted(settings.Consensus.Compute(asset, start, end, finals)), start);
        settings.Runtime.Metrics.WindowClosed();
        settings.Runtime.Status.RecordWindowClosed(asset, end);
    }

    private AssetWindows StateOf(string asset)
    {
        if (!assets.TryGetValue(asset, out var state))
        {
            state = new AssetWindows();
            assets[asset] = state;
        }

        return state;
    }

    /// <summary>
    /// After a start or restart the store holds the restored state; read it once to rebuild the cache, stream
    /// time and the next closing time. Done on the first record because restoration completes before processing.
    /// </summary>
    private void LoadOnce()
    {
        if (loaded)
        {
            return;
        }

        loaded = true;
        using var all = store.All().GetEnumerator();
        while (all.MoveNext())
        {
            var (asset, state) = (all.Current.Key, all.Current.Value);
            assets[asset] = state;
            streamTicks = Math.Max(streamTicks, state.LatestEventTicks);
            if (state.Windows.Count > 0)
            {
                nextCloseTicks = Math.Min(nextCloseTicks, settings.ClosesAt(state.Windows[0].StartTicks));
            }
        }
    }

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);
}
