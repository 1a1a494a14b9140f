using System.Text;
using CryptoStreams.Schema;
using CryptoStreams.Schema.Serialization;
using Parquet;
using Parquet.Schema;

namespace CryptoStreams.Archive.Parquet;

/// <summary>The Parquet shape of one record type: the Kafka columns every file starts with, then the record's own.</summary>
internal interface IArchiveTable
{
    /// <summary>The record type's name, e.g. <c>tick</c>.</summary>
    string Name { get; }

    ParquetSchema Schema { get; }

    /// <summary>A buffer of decoded rows waiting to become a row group.</summary>
    IRowBuffer NewBuffer();

    /// <summary>Reads every row of a file back into records (the replay path).</summary>
    Task<IReadOnlyList<ArchivedRow<object>>> ReadAsync(Stream file, CancellationToken cancellationToken);
}

/// <summary>Rows of one partition not yet written to its open file.</summary>
internal interface IRowBuffer
{
    int Count { get; }

    /// <summary>Decodes the value and buffers the row.</summary>
    /// <exception cref="RecordFormatException">The value is not a valid record of the table's type.</exception>
    void Add(string topic, int partition, long offset, DateTimeOffset timestamp, byte[]? key, byte[] value);

    /// <summary>Writes the buffered rows as one row group and empties the buffer.</summary>
    Task FlushAsync(ParquetWriter writer, CancellationToken cancellationToken);
}

internal sealed class ArchiveTable<T>(string name, Func<ColumnValues, int, T> build, params ArchiveColumn<T>[] recordColumns) : IArchiveTable
    where T : class
{
    private readonly ArchiveColumn<T>[] columns =
    [
        ArchiveColumns.Text<T>("topic", r => r.Topic),
        ArchiveColumns.Int32<T>("partition", r => r.Partition),
        ArchiveColumns.Int64<T>("offset", r => r.Offset),
        ArchiveColumns.Timestamp<T>("kafka_timestamp", r => r.Timestamp),
        ArchiveColumns.Text<T>("key", r => r.Key, nullable: true),
        .. recordColumns,
    ];

    public string Name { get; } = name;

    public ParquetSchema Schema => field ??= new ParquetSchema(columns.Select(c => (Field)c.Field));

    public IRowBuffer NewBuffer() => new Buffer(this);

    public async Task<IReadOnlyList<ArchivedRow<object>>> ReadAsync(Stream file, CancellationToken cancellationToken)
    {
        await using var reader = await ParquetReader.CreateAsync(file, cancellationToken: cancellationToken).ConfigureAwait(false);
        var fields = reader.Schema.GetDataFields().ToDictionary(f => f.Name, StringComparer.Ordinal);
        var rows = new List<ArchivedRow<object>>();
        for (var g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var count = checked((int)group.RowCount);
            var read = new Dictionary<string, Array>(StringComparer.Ordinal);
            foreach (var column in columns)
            {
                if (!fields.ContainsKey(column.Field.Name))
                {
                    throw new InvalidDataException($"not a {Name} archive file: column '{column.Field.Name}' is missing");
                }

                read[column.Field.Name] = await column.ReadAsync(group, count, cancellationToken).ConfigureAwait(false);
            }

            var values = new ColumnValues(read);
            for (var i = 0; i < count; i++)
            {
                rows.Add(new ArchivedRow<object>(
                    values.Text("topic", i), values.Int32("partition", i), values.Int64("offset", i), values.Timestamp("kafka_timestamp", i),
                    values.NullableText("key", i), build(values, i)));
            }
        }

        return rows;
    }

    private sealed class Buffer(ArchiveTable<T> table) : IRowBuffer
    {
        private readonly List<ArchivedRow<T>> rows = [];

        public int Count => rows.Count;

        public void Add(string topic, int partition, long offset, DateTimeOffset timestamp, byte[]? key, byte[] value) =>
            rows.Add(new ArchivedRow<T>(topic, partition, offset, timestamp, key is null ? null : Encoding.UTF8.GetString(key), RecordJson.Deserialize<T>(value)));

        public async Task FlushAsync(ParquetWriter writer, CancellationToken cancellationToken)
        {
            if (rows.Count == 0)
            {
                return;
            }

            using (var group = writer.CreateRowGroup())
            {
                foreach (var column in table.columns)
                {
                    await column.WriteAsync(group, rows, cancellationToken).ConfigureAwait(false);
                }

                group.CompleteValidate();
            }

            rows.Clear();
        }
    }
}
