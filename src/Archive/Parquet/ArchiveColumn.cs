using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace CryptoStreams.Archive.Parquet;

/// <summary>One archived record with where it was on Kafka.</summary>
/// <param name="Topic">Topic it was read from.</param>
/// <param name="Partition">Partition.</param>
/// <param name="Offset">Offset.</param>
/// <param name="Timestamp">The Kafka record timestamp (the event time on raw topics).</param>
/// <param name="Key">The record key (the asset), as UTF-8 text.</param>
/// <param name="Record">The decoded value.</param>
public sealed record ArchivedRow<T>(string Topic, int Partition, long Offset, DateTimeOffset Timestamp, string? Key, T Record);

/// <summary>
/// A column of an archive table: its Parquet field, how a row group's values are taken from the rows, and how a value
/// is read back. Kept to the few Parquet types the archive uses (see <see cref="ArchiveColumns"/>).
/// </summary>
internal abstract class ArchiveColumn<T>(DataField field)
{
    public DataField Field { get; } = field;

    public abstract Task WriteAsync(ParquetRowGroupWriter group, IReadOnlyList<ArchivedRow<T>> rows, CancellationToken cancellationToken);

    /// <summary>Reads the column of one row group, for <see cref="ColumnValues"/>.</summary>
    public abstract Task<Array> ReadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken);
}

/// <summary>The column kinds of the archive, with the Parquet types each maps to.</summary>
internal static class ArchiveColumns
{
    /// <summary>UTF-8 text (Parquet BYTE_ARRAY, logical type STRING).</summary>
    public static ArchiveColumn<T> Text<T>(string name, Func<ArchivedRow<T>, string?> value, bool nullable = false) =>
        new TextColumn<T>(new DataField<string>(name, nullable), value);

    /// <summary>
    /// An exact decimal as its invariant text with every digit and the payload's own scale (see the README: no
    /// Parquet DECIMAL that readers support holds every <see cref="decimal"/>).
    /// </summary>
    public static ArchiveColumn<T> ExactDecimal<T>(string name, Func<ArchivedRow<T>, decimal> value) =>
        Text<T>(name, r => value(r).ToString(CultureInfo.InvariantCulture));

    public static ArchiveColumn<T> Int32<T>(string name, Func<ArchivedRow<T>, int> value) =>
        new ValueColumn<T, int>(new DataField<int>(name), value);

    public static ArchiveColumn<T> Int64<T>(string name, Func<ArchivedRow<T>, long> value) =>
        new ValueColumn<T, long>(new DataField<long>(name), value);

    public static ArchiveColumn<T> Boolean<T>(string name, Func<ArchivedRow<T>, bool> value) =>
        new ValueColumn<T, bool>(new DataField<bool>(name), value);

    /// <summary>Parquet TIMESTAMP(isAdjustedToUTC = true, MICROS): an instant in UTC, to the microsecond.</summary>
    public static ArchiveColumn<T> Timestamp<T>(string name, Func<ArchivedRow<T>, DateTimeOffset> value) =>
        new ValueColumn<T, DateTime>(
            new DateTimeDataField(name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Micros),
            r => TruncateToMicroseconds(value(r)).UtcDateTime);

    /// <summary>What the archive keeps of an instant: .NET ticks are 100 ns, Parquet's finest common unit is the microsecond.</summary>
    public static DateTimeOffset TruncateToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - (value.UtcTicks % TimeSpan.TicksPerMicrosecond), TimeSpan.Zero);

    private sealed class TextColumn<T>(DataField field, Func<ArchivedRow<T>, string?> value) : ArchiveColumn<T>(field)
    {
        public override async Task WriteAsync(ParquetRowGroupWriter group, IReadOnlyList<ArchivedRow<T>> rows, CancellationToken cancellationToken)
        {
            var values = new string?[rows.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = value(rows[i]);
            }

            cancellationToken.ThrowIfCancellationRequested();
            await group.WriteAsync(Field, values!, null).ConfigureAwait(false);
        }

        public override async Task<Array> ReadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            var values = new string[rows];
            await group.ReadAsync(Field, values, null, cancellationToken).ConfigureAwait(false);
            return values;
        }
    }

    private sealed class ValueColumn<T, TValue>(DataField field, Func<ArchivedRow<T>, TValue> value) : ArchiveColumn<T>(field)
        where TValue : struct
    {
        public override async Task WriteAsync(ParquetRowGroupWriter group, IReadOnlyList<ArchivedRow<T>> rows, CancellationToken cancellationToken)
        {
            var values = new TValue[rows.Count];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = value(rows[i]);
            }

            await group.WriteAsync<TValue>(Field, values, null, null, cancellationToken).ConfigureAwait(false);
        }

        public override async Task<Array> ReadAsync(ParquetRowGroupReader group, int rows, CancellationToken cancellationToken)
        {
            var values = new TValue[rows];
            await group.ReadAsync<TValue>(Field, values, null, cancellationToken).ConfigureAwait(false);
            return values;
        }
    }
}

/// <summary>The columns of one row group as read back, by name.</summary>
internal sealed class ColumnValues(IReadOnlyDictionary<string, Array> columns)
{
    public string Text(string name, int row) => ((string[])columns[name])[row];

    public string? NullableText(string name, int row) => ((string?[])columns[name])[row];

    public decimal Decimal(string name, int row) => decimal.Parse(Text(name, row), NumberStyles.Float, CultureInfo.InvariantCulture);

    public UInt128 UInt128(string name, int row) => System.UInt128.Parse(Text(name, row), NumberStyles.None, CultureInfo.InvariantCulture);

    public int Int32(string name, int row) => ((int[])columns[name])[row];

    public long Int64(string name, int row) => ((long[])columns[name])[row];

    public bool Boolean(string name, int row) => ((bool[])columns[name])[row];

    public DateTimeOffset Timestamp(string name, int row) => new(DateTime.SpecifyKind(((DateTime[])columns[name])[row], DateTimeKind.Utc));

    public TEnum Enum<TEnum>(string name, int row)
        where TEnum : struct, Enum => System.Enum.Parse<TEnum>(Text(name, row), ignoreCase: true);
}
