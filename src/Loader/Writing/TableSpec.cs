using System.Text.Json;
using System.Text.Json.Serialization;
using CryptoStreams.Schema;

namespace CryptoStreams.Loader.Writing;

/// <summary>
/// How one record type lands in one market table: its columns in COPY order, its natural key, and when an
/// incoming row may replace a stored one.
/// </summary>
/// <typeparam name="TRow">The record type.</typeparam>
/// <typeparam name="TKey">The natural key, as a value that compares like the database key does.</typeparam>
internal abstract class TableSpec<TRow, TKey>
    where TKey : notnull
{
    /// <summary>Schema-qualified table name.</summary>
    public abstract string Table { get; }

    /// <summary>Columns in the order <see cref="WriteRow"/> writes them.</summary>
    public abstract IReadOnlyList<string> Columns { get; }

    /// <summary>The natural key columns (the primary key).</summary>
    public abstract IReadOnlyList<string> KeyColumns { get; }

    /// <summary>
    /// An extra condition (over <c>stored</c> and <c>EXCLUDED</c>) that must hold for an incoming row to replace the
    /// stored one, or null.
    /// </summary>
    public virtual string? ReplaceCondition => null;

    /// <summary>The same rule as <see cref="ReplaceCondition"/>, for two versions of a key within one batch.</summary>
    public virtual bool Replaces(TRow incoming, TRow current) => true;

    public abstract TKey KeyOf(TRow row);

    /// <summary>Encodes the row's fields in <see cref="Columns"/> order (the field count is written by the caller).</summary>
    public abstract void WriteRow(BinaryCopyRows copy, TRow row);

    public string StagingTable => "loader_stage_" + Table[(Table.IndexOf('.', StringComparison.Ordinal) + 1)..];

    /// <summary>The session-local staging table: same columns, no keys, emptied at every commit.</summary>
    public string CreateStagingSql => $"CREATE TEMP TABLE IF NOT EXISTS {StagingTable} (LIKE {Table} INCLUDING DEFAULTS) ON COMMIT DELETE ROWS";

    public string CopySql => $"COPY {StagingTable} ({string.Join(", ", Columns)}) FROM STDIN (FORMAT BINARY)";

    /// <summary>COPY straight into the table, for a batch whose keys are all new.</summary>
    public string AppendCopySql => $"COPY {Table} ({string.Join(", ", Columns)}) FROM STDIN (FORMAT BINARY)";

    /// <summary>
    /// Moves the staged rows into the table. A stored row is rewritten only when the incoming one differs, so a
    /// replay leaves no dead tuples behind and reads as a no-op.
    /// </summary>
    public string UpsertSql
    {
        get
        {
            var columns = string.Join(", ", Columns);
            var updates = string.Join(", ", Columns.Except(KeyColumns).Select(c => $"{c} = EXCLUDED.{c}"));
            var changed = $"({string.Join(", ", Columns.Select(c => "stored." + c))}) IS DISTINCT FROM ({string.Join(", ", Columns.Select(c => "EXCLUDED." + c))})";
            var condition = ReplaceCondition is null ? changed : $"{changed} AND ({ReplaceCondition})";
            return $"INSERT INTO {Table} AS stored ({columns}) SELECT {columns} FROM {StagingTable} "
                + $"ON CONFLICT ({string.Join(", ", KeyColumns)}) DO UPDATE SET {updates} WHERE {condition}";
        }
    }
}

/// <summary>The database spelling of the schema's enums: the same lower-case words the JSON topics use.</summary>
internal static class DatabaseWords
{
    public static string Of(TickKind kind) => kind == TickKind.Trade ? "trade" : "quote";

    public static string Of(TradeSide side) => side switch
    {
        TradeSide.Buy => "buy",
        TradeSide.Sell => "sell",
        _ => "unknown",
    };

    public static string Of(Coverage coverage) => coverage == Coverage.Complete ? "complete" : "partial";

    public static string Of(CrossoverDirection direction) => direction == CrossoverDirection.Golden ? "golden" : "death";

    public static string Of(MovingAverageKind kind) => kind == MovingAverageKind.Sma ? "sma" : "ema";
}

internal sealed class TradesTable : TableSpec<Tick, (DateTimeOffset, string, string, string)>
{
    public static readonly TradesTable Instance = new();

    public override string Table => "market.trades";

    public override IReadOnlyList<string> Columns { get; } = ["event_time", "source", "symbol", "trade_id", "kind", "price", "size", "side", "receive_time"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["event_time", "source", "symbol", "trade_id"];

    public override (DateTimeOffset, string, string, string) KeyOf(Tick row) => (row.EventTime, row.Source, row.Symbol, row.TradeId!);

    public override void WriteRow(BinaryCopyRows copy, Tick row)
    {
        copy.Timestamp(row.EventTime);
        copy.Text(row.Source);
        copy.Text(row.Symbol);
        copy.Text(row.TradeId!);
        copy.Text(DatabaseWords.Of(row.Kind));
        copy.Numeric(row.Price);
        copy.Numeric(row.Size);
        copy.Text(DatabaseWords.Of(row.Side));
        copy.Timestamp(row.ReceiveTime);
    }
}

internal sealed class CandlesTable : TableSpec<Candle, (DateTimeOffset, string, string)>
{
    /// <summary>The candles the topology computes from ticks (<c>prices.1m</c>).</summary>
    public static readonly CandlesTable Instance = new("market.candles_1m");

    /// <summary>The venues' own candles from the extractors' hourly backfill (<c>raw.candles</c>), same columns.</summary>
    public static readonly CandlesTable Venue = new("market.venue_candles_1m");

    private CandlesTable(string table) => Table = table;

    public override string Table { get; }

    public override IReadOnlyList<string> Columns { get; } =
        ["bucket", "symbol", "source", "window_end", "kind", "open", "high", "low", "close", "vwap", "volume", "tick_count", "coverage", "final"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol", "source"];

    /// <summary>A provisional candle never replaces the final one (a replayed provisional arrives after it).</summary>
    public override string ReplaceCondition => "NOT stored.final OR EXCLUDED.final";

    public override bool Replaces(Candle incoming, Candle current) => incoming.Final || !current.Final;

    public override (DateTimeOffset, string, string) KeyOf(Candle row) => (row.WindowStart, row.Symbol, row.Source);

    public override void WriteRow(BinaryCopyRows copy, Candle row)
    {
        copy.Timestamp(row.WindowStart);
        copy.Text(row.Symbol);
        copy.Text(row.Source);
        copy.Timestamp(row.WindowEnd);
        copy.Text(DatabaseWords.Of(row.Kind));
        copy.Numeric(row.Open);
        copy.Numeric(row.High);
        copy.Numeric(row.Low);
        copy.Numeric(row.Close);
        copy.Numeric(row.Vwap);
        copy.Numeric(row.Volume);
        copy.Bigint(row.Count);
        copy.Text(DatabaseWords.Of(row.Coverage));
        copy.Boolean(row.Final);
    }
}

internal sealed class ConsensusTable : TableSpec<Consensus, (DateTimeOffset, string)>
{
    public static readonly ConsensusTable Instance = new();

    public override string Table => "market.consensus_1m";

    public override IReadOnlyList<string> Columns { get; } =
        ["bucket", "symbol", "window_end", "api_mean", "api_sources", "median", "sources_used", "sources_excluded", "stablecoin_policy", "final"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol"];

    public override string ReplaceCondition => "NOT stored.final OR EXCLUDED.final";

    public override bool Replaces(Consensus incoming, Consensus current) => incoming.Final || !current.Final;

    public override (DateTimeOffset, string) KeyOf(Consensus row) => (row.WindowStart, row.Symbol);

    public override void WriteRow(BinaryCopyRows copy, Consensus row)
    {
        copy.Timestamp(row.WindowStart);
        copy.Text(row.Symbol);
        copy.Timestamp(row.WindowEnd);
        copy.Numeric(row.ApiMean);
        copy.TextArray(row.ApiSources);
        copy.Numeric(row.Median);
        copy.TextArray(row.SourcesUsed);
        copy.Jsonb(JsonSerializer.Serialize(row.SourcesExcluded.ToArray(), LoaderJsonContext.Default.ExcludedSourceArray));
        copy.Text(row.StablecoinPolicy);
        copy.Boolean(row.Final);
    }
}

internal sealed class DeviationTable : TableSpec<Deviation, (DateTimeOffset, string, string)>
{
    public static readonly DeviationTable Instance = new();

    public override string Table => "market.oracle_deviation";

    public override IReadOnlyList<string> Columns { get; } =
    [
        "bucket", "symbol", "oracle_source", "window_end", "oracle_round_id", "oracle_price", "oracle_updated_at", "staleness_seconds",
        "consensus_price", "deviation_percent", "api_mean_price", "api_deviation_percent",
    ];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol", "oracle_source"];

    public override (DateTimeOffset, string, string) KeyOf(Deviation row) => (row.WindowStart, row.Symbol, row.OracleSource);

    public override void WriteRow(BinaryCopyRows copy, Deviation row)
    {
        copy.Timestamp(row.WindowStart);
        copy.Text(row.Symbol);
        copy.Text(row.OracleSource);
        copy.Timestamp(row.WindowEnd);
        // Round ids are uint80 on chain but UInt128 in the record; numeric(39,0) holds every UInt128 exactly.
        copy.Numeric(row.OracleRoundId, scale: 0, negative: false);
        copy.Numeric(row.OraclePrice);
        copy.Timestamp(row.OracleUpdatedAt);
        copy.Double(row.StalenessSeconds);
        copy.Numeric(row.ConsensusPrice);
        copy.Numeric(row.DeviationPercent);
        copy.Numeric(row.ApiMeanPrice);
        copy.Numeric(row.ApiDeviationPercent);
    }
}

internal sealed class CrossoversTable : TableSpec<CrossoverSignal, (DateTimeOffset, string, MovingAverageKind, int, int)>
{
    public static readonly CrossoversTable Instance = new();

    public override string Table => "market.crossover_signals";

    public override IReadOnlyList<string> Columns { get; } =
        ["bucket", "symbol", "average", "short_length", "long_length", "window_end", "direction", "short_average", "long_average", "close"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol", "average", "short_length", "long_length"];

    public override (DateTimeOffset, string, MovingAverageKind, int, int) KeyOf(CrossoverSignal row) =>
        (row.WindowStart, row.Symbol, row.Average, row.ShortLength, row.LongLength);

    public override void WriteRow(BinaryCopyRows copy, CrossoverSignal row)
    {
        copy.Timestamp(row.WindowStart);
        copy.Text(row.Symbol);
        copy.Text(DatabaseWords.Of(row.Average));
        copy.Integer(row.ShortLength);
        copy.Integer(row.LongLength);
        copy.Timestamp(row.WindowEnd);
        copy.Text(DatabaseWords.Of(row.Direction));
        copy.Numeric(row.ShortAverage);
        copy.Numeric(row.LongAverage);
        copy.Numeric(row.Close);
    }
}

/// <summary>JSON for the one nested list stored as jsonb (a consensus's excluded sources).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExcludedSource[]))]
internal sealed partial class LoaderJsonContext : JsonSerializerContext;
