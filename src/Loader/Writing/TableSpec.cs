using System.Numerics;
using System.Text.Json;
using System.Text.Json.Serialization;
using CryptoStreams.Schema;
using Npgsql;
using NpgsqlTypes;

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

    public abstract void WriteRow(NpgsqlBinaryImporter importer, TRow row);

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

    public override void WriteRow(NpgsqlBinaryImporter importer, Tick row)
    {
        importer.Write(row.EventTime, NpgsqlDbType.TimestampTz);
        importer.Write(row.Source, NpgsqlDbType.Text);
        importer.Write(row.Symbol, NpgsqlDbType.Text);
        importer.Write(row.TradeId!, NpgsqlDbType.Text);
        importer.Write(DatabaseWords.Of(row.Kind), NpgsqlDbType.Text);
        importer.Write(row.Price, NpgsqlDbType.Numeric);
        importer.Write(row.Size, NpgsqlDbType.Numeric);
        importer.Write(DatabaseWords.Of(row.Side), NpgsqlDbType.Text);
        importer.Write(row.ReceiveTime, NpgsqlDbType.TimestampTz);
    }
}

internal sealed class CandlesTable : TableSpec<Candle, (DateTimeOffset, string, string)>
{
    public static readonly CandlesTable Instance = new();

    public override string Table => "market.candles_1m";

    public override IReadOnlyList<string> Columns { get; } =
        ["bucket", "symbol", "source", "window_end", "kind", "open", "high", "low", "close", "vwap", "volume", "tick_count", "coverage", "final"];

    public override IReadOnlyList<string> KeyColumns { get; } = ["bucket", "symbol", "source"];

    /// <summary>A provisional candle never replaces the final one (a replayed provisional arrives after it).</summary>
    public override string ReplaceCondition => "NOT stored.final OR EXCLUDED.final";

    public override bool Replaces(Candle incoming, Candle current) => incoming.Final || !current.Final;

    public override (DateTimeOffset, string, string) KeyOf(Candle row) => (row.WindowStart, row.Symbol, row.Source);

    public override void WriteRow(NpgsqlBinaryImporter importer, Candle row)
    {
        importer.Write(row.WindowStart, NpgsqlDbType.TimestampTz);
        importer.Write(row.Symbol, NpgsqlDbType.Text);
        importer.Write(row.Source, NpgsqlDbType.Text);
        importer.Write(row.WindowEnd, NpgsqlDbType.TimestampTz);
        importer.Write(DatabaseWords.Of(row.Kind), NpgsqlDbType.Text);
        importer.Write(row.Open, NpgsqlDbType.Numeric);
        importer.Write(row.High, NpgsqlDbType.Numeric);
        importer.Write(row.Low, NpgsqlDbType.Numeric);
        importer.Write(row.Close, NpgsqlDbType.Numeric);
        importer.Write(row.Vwap, NpgsqlDbType.Numeric);
        importer.Write(row.Volume, NpgsqlDbType.Numeric);
        importer.Write(row.Count, NpgsqlDbType.Bigint);
        importer.Write(DatabaseWords.Of(row.Coverage), NpgsqlDbType.Text);
        importer.Write(row.Final, NpgsqlDbType.Boolean);
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

    public override void WriteRow(NpgsqlBinaryImporter importer, Consensus row)
    {
        importer.Write(row.WindowStart, NpgsqlDbType.TimestampTz);
        importer.Write(row.Symbol, NpgsqlDbType.Text);
        importer.Write(row.WindowEnd, NpgsqlDbType.TimestampTz);
        WriteNullable(importer, row.ApiMean);
        importer.Write(row.ApiSources.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        WriteNullable(importer, row.Median);
        importer.Write(row.SourcesUsed.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        importer.Write(JsonSerializer.Serialize(row.SourcesExcluded.ToArray(), LoaderJsonContext.Default.ExcludedSourceArray), NpgsqlDbType.Jsonb);
        importer.Write(row.StablecoinPolicy, NpgsqlDbType.Text);
        importer.Write(row.Final, NpgsqlDbType.Boolean);
    }

    internal static void WriteNullable(NpgsqlBinaryImporter importer, decimal? value)
    {
        if (value is { } v)
        {
            importer.Write(v, NpgsqlDbType.Numeric);
        }
        else
        {
            importer.WriteNull();
        }
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

    public override void WriteRow(NpgsqlBinaryImporter importer, Deviation row)
    {
        importer.Write(row.WindowStart, NpgsqlDbType.TimestampTz);
        importer.Write(row.Symbol, NpgsqlDbType.Text);
        importer.Write(row.OracleSource, NpgsqlDbType.Text);
        importer.Write(row.WindowEnd, NpgsqlDbType.TimestampTz);
        // Round ids are uint80 on chain but UInt128 in the record; numeric(39,0) holds every UInt128 exactly.
        importer.Write((BigInteger)row.OracleRoundId, NpgsqlDbType.Numeric);
        importer.Write(row.OraclePrice, NpgsqlDbType.Numeric);
        importer.Write(row.OracleUpdatedAt, NpgsqlDbType.TimestampTz);
        importer.Write(row.StalenessSeconds, NpgsqlDbType.Double);
        importer.Write(row.ConsensusPrice, NpgsqlDbType.Numeric);
        importer.Write(row.DeviationPercent, NpgsqlDbType.Numeric);
        ConsensusTable.WriteNullable(importer, row.ApiMeanPrice);
        ConsensusTable.WriteNullable(importer, row.ApiDeviationPercent);
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

    public override void WriteRow(NpgsqlBinaryImporter importer, CrossoverSignal row)
    {
        importer.Write(row.WindowStart, NpgsqlDbType.TimestampTz);
        importer.Write(row.Symbol, NpgsqlDbType.Text);
        importer.Write(DatabaseWords.Of(row.Average), NpgsqlDbType.Text);
        importer.Write(row.ShortLength, NpgsqlDbType.Integer);
        importer.Write(row.LongLength, NpgsqlDbType.Integer);
        importer.Write(row.WindowEnd, NpgsqlDbType.TimestampTz);
        importer.Write(DatabaseWords.Of(row.Direction), NpgsqlDbType.Text);
        importer.Write(row.ShortAverage, NpgsqlDbType.Numeric);
        importer.Write(row.LongAverage, NpgsqlDbType.Numeric);
        importer.Write(row.Close, NpgsqlDbType.Numeric);
    }
}

/// <summary>JSON for the one nested list stored as jsonb (a consensus's excluded sources).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(ExcludedSource[]))]
internal sealed partial class LoaderJsonContext : JsonSerializerContext;
