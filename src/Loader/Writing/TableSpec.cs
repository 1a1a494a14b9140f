using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using CryptoStreams.Schema;

namespace CryptoStreams.Loader.Writing;

/// <summary>
/// How rows land in one market table: its columns in COPY order, its natural key, and when an incoming row may
/// replace a stored one. The key columns come first in <see cref="Columns"/>, so a row's key is the prefix of its
/// encoded COPY row: two rows have the same key exactly when those bytes are equal, as the database compares them.
/// </summary>
internal abstract class TableSpec
{
    /// <summary>Schema-qualified table name.</summary>
    public abstract string Table { get; }

    /// <summary>Columns in the order rows are encoded; the key columns first.</summary>
    public abstract IReadOnlyList<string> Columns { get; }

    /// <summary>The natural key columns (the primary key), a prefix of <see cref="Columns"/>.</summary>
    public abstract IReadOnlyList<string> KeyColumns { get; }

    /// <summary>
    /// An extra condition (over <c>stored</c> and <c>EXCLUDED</c>) that must hold for an incoming row to replace the
    /// stored one, or null.
    /// </summary>
    public virtual string? ReplaceCondition => null;

    /// <summary>The same rule as <see cref="ReplaceCondition"/>, for two encoded versions of a key within one batch.</summary>
    public virtual bool Replaces(ReadOnlySpan<byte> incoming, ReadOnlySpan<byte> current) => true;

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

/// <summary>A table fed by one record type.</summary>
/// <typeparam name="TRow">The record type.</typeparam>
internal abstract class TableSpec<TRow> : TableSpec
{
    /// <summary>Encodes the row's fields in <see cref="TableSpec.Columns"/> order (the field count is written by the caller).</summary>
    public abstract void WriteRow(BinaryCopyRows copy, TRow row);
}

/// <summary>For tables whose last column is <c>final</c>: a provisional row never replaces a final one.</summary>
internal static class FinalLast
{
    public const string ReplaceCondition = "NOT stored.final OR EXCLUDED.final";

    // The last byte of an encoded row is the value byte of its last column, the boolean final.
    public static bool Replaces(ReadOnlySpan<byte> incoming, ReadOnlySpan<byte> current) => incoming[^1] == 1 || current[^1] == 0;
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

internal sealed class TradesTable : TableSpec<Tick>
{
    public static readonly TradesTable Instance = new();

    public override string Table => "market.trades";

    public override IReadOnlyList<string> Columns { get; } = ["event_time", "source", "symbol", "trade_id", "kind", "price", "size", "side", "receive_time"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["event_time", "source", "symbol", "trade_id"];

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

internal sealed class CandlesTable : TableSpec<Candle>
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
    public override string ReplaceCondition => FinalLast.ReplaceCondition;

    public override bool Replaces(ReadOnlySpan<byte> incoming, ReadOnlySpan<byte> current) => FinalLast.Replaces(incoming, current);

    public override void WriteRow(BinaryCopyRows copy, Candle row) => Write(copy, new CandleColumns
    {
        Source = Encoding.UTF8.GetBytes(row.Source),
        Symbol = Encoding.UTF8.GetBytes(row.Symbol),
        Kind = row.Kind,
        WindowStart = row.WindowStart,
        WindowEnd = row.WindowEnd,
        Open = row.Open,
        High = row.High,
        Low = row.Low,
        Close = row.Close,
        Vwap = row.Vwap,
        Volume = row.Volume,
        Count = row.Count,
        Coverage = row.Coverage,
        Final = row.Final,
    });

    /// <summary>Encodes a candle's columns, from a <see cref="Candle"/> or straight from its JSON (<see cref="CandleJsonRows"/>).</summary>
    public static void Write(BinaryCopyRows copy, scoped in CandleColumns row)
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

/// <summary>
/// A candle's column values, its texts as UTF-8 (valid, without NULs: the mapper checked), its times normalised
/// (<see cref="RecordMapper.Normalize"/>).
/// </summary>
internal ref struct CandleColumns
{
    public ReadOnlySpan<byte> Source;
    public ReadOnlySpan<byte> Symbol;
    public TickKind Kind;
    public DateTimeOffset WindowStart;
    public DateTimeOffset WindowEnd;
    public decimal Open;
    public decimal High;
    public decimal Low;
    public decimal Close;
    public decimal Vwap;
    public decimal Volume;
    public long Count;
    public Coverage Coverage;
    public bool Final;
}

internal sealed class ConsensusTable : TableSpec<Consensus>
{
    public static readonly ConsensusTable Instance = new();

    public override string Table => "market.consensus_1m";

    public override IReadOnlyList<string> Columns { get; } =
        ["bucket", "symbol", "window_end", "api_mean", "api_sources", "median", "sources_used", "sources_excluded", "stablecoin_policy", "final"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol"];

    public override string ReplaceCondition => FinalLast.ReplaceCondition;

    public override bool Replaces(ReadOnlySpan<byte> incoming, ReadOnlySpan<byte> current) => FinalLast.Replaces(incoming, current);

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

internal sealed class DeviationTable : TableSpec<Deviation>
{
    public static readonly DeviationTable Instance = new();

    public override string Table => "market.oracle_deviation";

    public override IReadOnlyList<string> Columns { get; } =
    [
        "bucket", "symbol", "oracle_source", "window_end", "oracle_round_id", "oracle_price", "oracle_updated_at", "staleness_seconds",
        "consensus_price", "deviation_percent", "api_mean_price", "api_deviation_percent",
    ];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol", "oracle_source"];

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

internal sealed class CrossoversTable : TableSpec<CrossoverSignal>
{
    public static readonly CrossoversTable Instance = new();

    public override string Table => "market.crossover_signals";

    public override IReadOnlyList<string> Columns { get; } =
        ["bucket", "symbol", "average", "short_length", "long_length", "window_end", "direction", "short_average", "long_average", "close"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol", "average", "short_length", "long_length"];

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
