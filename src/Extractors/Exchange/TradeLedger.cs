using System.Globalization;
using CryptoStreams.Schema;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Per-symbol memory of what was published, so that a trade seen twice (replayed by the venue right after a
/// subscribe, or fetched again by REST backfill) is published once. Every venue we read numbers its trades per
/// symbol in increasing order, so besides a window of recent ids the ledger keeps the highest id: a trade far
/// below it is old news, a trade above it is new, and a trade inside the window is new only if it was not seen.
/// </summary>
internal sealed class TradeLedger
{
    private readonly int window;
    private readonly Dictionary<string, SymbolTrades> bySymbol = new(StringComparer.Ordinal);

    public TradeLedger(int window = 10_000) => this.window = window;

    /// <summary>True when the tick is new (and remembers it); false for a duplicate or stale trade.</summary>
    public bool TryAccept(Tick tick)
    {
        if (tick.TradeId is null)
        {
            return true;
        }

        var trades = Of(tick.Symbol);
        if (!long.TryParse(tick.TradeId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            // Not a number: only exact repeats can be recognised.
            return trades.RememberText(tick.TradeId, window);
        }

        if (trades.Recent.Contains(id) || (trades.LastId is { } last && id < last - window))
        {
            return false;
        }

        trades.Remember(id, window);
        if (trades.LastId is null || id > trades.LastId)
        {
            trades.LastId = id;
            trades.LastTime = tick.EventTime;
        }

        return true;
    }

    /// <summary>The newest trade published for a symbol: where backfill starts after a disconnect.</summary>
    public (long Id, DateTimeOffset Time)? Anchor(string symbol) =>
        bySymbol.TryGetValue(symbol, out var trades) && trades.LastId is { } id ? (id, trades.LastTime) : null;

    private SymbolTrades Of(string symbol)
    {
        if (!bySymbol.TryGetValue(symbol, out var trades))
        {
            trades = new SymbolTrades();
            bySymbol[symbol] = trades;
        }

        return trades;
    }

    private sealed class SymbolTrades
    {
        private readonly Queue<long> order = new();
        private readonly Queue<string> textOrder = new();
        private readonly HashSet<string> textIds = new(StringComparer.Ordinal);

        public HashSet<long> Recent { get; } = [];

        public long? LastId { get; set; }

        public DateTimeOffset LastTime { get; set; }

        public void Remember(long id, int window)
        {
            Recent.Add(id);
            order.Enqueue(id);
            if (order.Count > window)
            {
                Recent.Remove(order.Dequeue());
            }
        }

        public bool RememberText(string id, int window)
        {
            if (!textIds.Add(id))
            {
                return false;
            }

            textOrder.Enqueue(id);
            if (textOrder.Count > window)
            {
                textIds.Remove(textOrder.Dequeue());
            }

            return true;
        }
    }
}
