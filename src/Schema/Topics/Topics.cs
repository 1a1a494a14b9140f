namespace CryptoStreams.Schema;

/// <summary>Every topic name the pipeline uses. Nothing else spells a topic name.</summary>
public static class Topics
{
    public const string RawBinance = "raw.binance";
    public const string RawKuCoin = "raw.kucoin";
    public const string RawOkx = "raw.okx";
    public const string RawCoinbase = "raw.coinbase";
    public const string RawCoinGecko = "raw.coingecko";
    public const string RawCoinpaprika = "raw.coinpaprika";
    public const string RawCoinCap = "raw.coincap";
    public const string RawChainlink = "raw.chainlink";
    public const string RawGaps = "raw.gaps";

    /// <summary>The venues' own 1-minute candles fetched by the extractors' hourly backfill (Candle records, final).</summary>
    public const string RawCandles = "raw.candles";

    public const string Prices1m = "prices.1m";
    public const string Consensus1m = "consensus.1m";
    public const string Deviation1m = "deviation.1m";
    public const string SignalsCrossover = "signals.crossover";

    public const string DlqExtractors = "dlq.extractors";
    public const string DlqTopology = "dlq.topology";
    public const string DlqLoader = "dlq.loader";

    /// <summary>Raw records the archive could not read as their topic's record type.</summary>
    public const string DlqArchive = "dlq.archive";

    /// <summary>The raw topic a tick source writes to: <c>raw.&lt;source&gt;</c>.</summary>
    public static string Raw(string source) => "raw." + source;

    /// <summary>Raw tick topics (trades and quotes), one per source.</summary>
    public static readonly IReadOnlyList<string> RawTicks = [.. Sources.TickSources.Select(Raw)];

    /// <summary>Topics the topology writes and the loader reads.</summary>
    public static readonly IReadOnlyList<string> Transformed = [Prices1m, Consensus1m, Deviation1m, SignalsCrossover];

    public static readonly IReadOnlyList<string> DeadLetters = [DlqExtractors, DlqTopology, DlqLoader, DlqArchive];
}
