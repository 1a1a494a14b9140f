using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CryptoStreams.Schema;
using Npgsql;

namespace CryptoStreams.Loader.Writing;

/// <summary>
/// The rows of one transaction: every consumed record is either a row of a table or a dead letter, and the
/// batch remembers each partition's next offset so both land in the database together.
/// </summary>
public sealed class LoadBatch
{
    private readonly Dictionary<string, TableRows> tables = new(StringComparer.Ordinal);
    // Per partition: what the database was expected to hold, and the batch's first and next offsets (updated in place
    // for every record, so a record costs no allocation here).
    private readonly Dictionary<TopicPartitionKey, (long? Expected, long First, long Next)> partitions = [];
    private readonly List<RejectedRecord> deadLetters = [];
    private readonly Func<TopicPartitionKey, long?> storedOffset;
    private readonly TimeProvider clock;

    /// <param name="storedOffset">Where the database stands for a partition, as this loader last saw it (null: no row).</param>
    /// <param name="clock">Stamps dead letters.</param>
    public LoadBatch(Func<TopicPartitionKey, long?> storedOffset, TimeProvider clock)
    {
        this.storedOffset = storedOffset;
        this.clock = clock;
    }

    /// <summary>
    /// False: every record is read by the serializer path, never by a direct reader (<see cref="CandleJsonRows"/>); the
    /// reference the direct readers are tested against.
    /// </summary>
    internal bool DirectReaders { get; init; } = true;

    /// <summary>Records added, including dead letters and rows later replaced by a newer version of the same key.</summary>
    public int RecordCount { get; private set; }

    /// <summary>Distinct rows to write (a key seen twice in the batch is written once, as its latest version).</summary>
    public int RowCount => tables.Values.Sum(t => t.Count);

    public IReadOnlyCollection<PartitionRange> Partitions => [.. partitions.Select(p => new PartitionRange(p.Key, p.Value.Expected, p.Value.First, p.Value.Next))];

    /// <summary>The offset after this batch's last record of <paramref name="partition"/>, or null when it has none.</summary>
    public long? NextOffsetOf(TopicPartitionKey partition) => partitions.TryGetValue(partition, out var range) ? range.Next : null;

    /// <summary>Records that could not become rows, as dead letters with their original Kafka key.</summary>
    public IReadOnlyList<RejectedRecord> DeadLetters => deadLetters;

    internal IEnumerable<TableRows> Tables => tables.Values;

    /// <summary>Rows per table, for metrics.</summary>
    public IEnumerable<KeyValuePair<string, int>> RowsPerTable => tables.Select(t => new KeyValuePair<string, int>(t.Key, t.Value.Count));

    /// <summary>Maps the record into its table, or into a dead letter with the reason; either way its offset is covered.</summary>
    public void Add(ConsumedRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var source = record.Source;
        ref var range = ref CollectionsMarshal.GetValueRefOrAddDefault(partitions, source, out var seen);
        if (!seen)
        {
            range = (storedOffset(source), record.Offset, record.Offset + 1);
        }
        else if (record.Offset < range.Next)
        {
            throw new InvalidOperationException($"{source}: offset {record.Offset} is behind the batch's next offset {range.Next}");
        }
        else
        {
            range.Next = record.Offset + 1;
        }

        RecordCount++;
        if (RecordMapper.MapInto(this, record) is { } failure)
        {
            deadLetters.Add(DeadLetterFor(record, failure));
        }
    }

    /// <summary>The dead letter for a record that could not become a row: its original bytes, where it came from, and why.</summary>
    public RejectedRecord DeadLetterFor(ConsumedRecord record, MappingFailure failure)
    {
        ArgumentNullException.ThrowIfNull(record);
        ArgumentNullException.ThrowIfNull(failure);
        return new RejectedRecord(record.Key, new DeadLetter(
            "loader", record.Topic, failure.Reason, failure.Detail, record.Value ?? [], record.Topic, record.Partition, record.Offset, clock.GetUtcNow()));
    }

    /// <summary>
    /// Once the batch is committed: gives its encoded rows' memory back for the next batches to reuse. The batch keeps
    /// its counts and offsets but no longer its rows, so it must not be written again.
    /// </summary>
    public void ReturnRowMemory()
    {
        foreach (var table in tables.Values)
        {
            table.ReturnMemory();
        }
    }

    /// <summary>The rows of <paramref name="spec"/>'s table in this batch, to encode a row into.</summary>
    internal TableRows RowsOf(TableSpec spec)
    {
        if (!tables.TryGetValue(spec.Table, out var rows))
        {
            rows = new TableRows(spec);
            tables.Add(spec.Table, rows);
        }

        return rows;
    }
}

/// <summary>A dead letter and the Kafka key of the record it holds (dead letters keep the original key).</summary>
public sealed record RejectedRecord(byte[]? Key, DeadLetter Letter);

/// <summary>Why a record could not become a row: a stable reason code and a readable detail.</summary>
public sealed record MappingFailure(string Reason, string Detail);

/// <summary>A row the database refused (SQLSTATE class 22/23), isolated from the rest of its batch.</summary>
internal sealed record RowRefusal(ConsumedRecord Origin, string Table, PostgresException Error);

/// <summary>Rows inserted or changed in one table, and whether they were all new (appended without the upsert).</summary>
internal readonly record struct TableWriteOutcome(int RowsChanged, bool Appended);

/// <summary>
/// The rows of one table in a batch, merged by natural key (latest wins, as Kafka order says), kept encoded in the
/// binary COPY format from the moment they are mapped: writing them is then a copy of bytes, and the key of a row is
/// the prefix of its encoding (see <see cref="TableSpec"/>), compared without decoding anything.
/// </summary>
internal sealed class TableRows
{
    private readonly TableSpec spec;

    // Every row encoded so far, back to back (a replaced version stays in the buffer, unreferenced).
    private readonly BinaryCopyRows encoded = new(ArrayPool<byte>.Shared);

    // The kept rows and the record each came from (for its dead letter if the database refuses the row), and an
    // open-addressing index of their keys (row index + 1; 0 is empty). All three are rented like the row bytes: a
    // batch of thousands of rows would otherwise allocate large arrays for them, every batch.
    private EncodedRow[] rows = [];
    private ConsumedRecord[] origins = [];
    private int[] slots = [];
    private int slotMask = -1;
    private int count;
    private int rowStart = -1;

    public TableRows(TableSpec spec) => this.spec = spec;

    public string Table => spec.Table;

    public int Count => count;

    /// <summary>Gives the rows' memory back to the pools: the rows are written and will not be read again.</summary>
    public void ReturnMemory()
    {
        // The count stays (for metrics); a write after this fails on the empty arrays, it never sends stale bytes.
        encoded.ReturnMemory();
        Return(ref rows);
        Return(ref origins);
        Return(ref slots);
        slotMask = -1;
    }

    /// <summary>The rows as they will be sent, in batch order (for tests).</summary>
    internal IEnumerable<byte[]> EncodedRows => rows.Take(count).Select(r => encoded.Slice(r.Start, r.Length).ToArray());

    /// <summary>Opens a row: encode its fields into the returned buffer, then <see cref="EndRow"/>.</summary>
    public BinaryCopyRows BeginRow()
    {
        rowStart = encoded.Length;
        encoded.StartRow(spec.Columns.Count);
        return encoded;
    }

    /// <summary>Keeps the row just encoded, unless the batch holds a version of its key that it must not replace.</summary>
    public void EndRow(ConsumedRecord origin)
    {
        var start = rowStart;
        rowStart = -1;
        var length = encoded.Length - start;
        var key = encoded.Slice(start, KeyLength(encoded.Slice(start, length)));
        var hash = default(HashCode);
        hash.AddBytes(key);
        var row = new EncodedRow(start, length, key.Length, hash.ToHashCode());
        if ((count + 1) * 2 > slotMask + 1)
        {
            Reindex(Math.Max(1024, (slotMask + 1) * 2));
        }

        // Two versions of one key in one INSERT … ON CONFLICT would fail ("cannot affect row a second time").
        var mask = slotMask;
        for (var slot = row.Hash & mask; ; slot = (slot + 1) & mask)
        {
            if (slots[slot] == 0)
            {
                slots[slot] = count + 1;
                Append(row, origin);
                return;
            }

            var at = slots[slot] - 1;
            var current = rows[at];
            if (current.Hash == row.Hash && encoded.Slice(current.Start, current.KeyLength).SequenceEqual(key))
            {
                if (spec.Replaces(encoded.Slice(row.Start, row.Length), encoded.Slice(current.Start, current.Length)))
                {
                    rows[at] = row;
                    origins[at] = origin;
                }
                else
                {
                    encoded.Truncate(start);
                }

                return;
            }
        }
    }

    /// <summary>Undoes the row opened with <see cref="BeginRow"/>, if one is open.</summary>
    public void AbandonRow()
    {
        if (rowStart >= 0)
        {
            encoded.Truncate(rowStart);
            rowStart = -1;
        }
    }

    private void Append(EncodedRow row, ConsumedRecord origin)
    {
        if (count == rows.Length)
        {
            var size = Math.Max(1024, count * 2);
            Resize(ref rows, size, count);
            Resize(ref origins, size, count);
        }

        rows[count] = row;
        origins[count] = origin;
        count++;
    }

    /// <param name="size">A power of two: the slots used (a rented array may be longer).</param>
    private void Reindex(int size)
    {
        Return(ref slots);
        slots = ArrayPool<int>.Shared.Rent(size);
        Array.Clear(slots, 0, size);
        slotMask = size - 1;
        var mask = slotMask;
        for (var i = 0; i < count; i++)
        {
            var slot = rows[i].Hash & mask;
            while (slots[slot] != 0)
            {
                slot = (slot + 1) & mask;
            }

            slots[slot] = i + 1;
        }
    }

    private static void Resize<T>(ref T[] array, int size, int used)
    {
        var larger = ArrayPool<T>.Shared.Rent(size);
        array.AsSpan(0, used).CopyTo(larger);
        Return(ref array);
        array = larger;
    }

    private static void Return<T>(ref T[] array)
    {
        if (array.Length > 0)
        {
            ArrayPool<T>.Shared.Return(array, clearArray: RuntimeHelpers.IsReferenceOrContainsReferences<T>());
        }

        array = [];
    }

    /// <summary>The bytes of the key columns at the start of an encoded row: the field count, then length-prefixed fields.</summary>
    private int KeyLength(ReadOnlySpan<byte> row)
    {
        var at = 2;
        for (var field = 0; field < spec.KeyColumns.Count; field++)
        {
            var length = BinaryPrimitives.ReadInt32BigEndian(row[at..]);
            at += 4 + Math.Max(length, 0);
        }

        return at;
    }

    private readonly record struct EncodedRow(int Start, int Length, int KeyLength, int Hash);

    public async Task<TableWriteOutcome> WriteAsync(
        NpgsqlConnection connection, BinaryCopyRows copy, bool appendFirst, IBatchFaults faults, ICollection<RowRefusal> refused, CancellationToken cancellationToken)
    {
        var all = new ArraySegment<int>([.. Enumerable.Range(0, count)]);
        if (appendFirst)
        {
            // Rows that are all new (the common case for final windows and trades) can go straight into the table:
            // one COPY instead of COPY + INSERT … SELECT. The first key that already exists aborts it, the savepoint
            // undoes it, and the same rows take the upsert path below. Same rows, same result, same transaction.
            await ExecuteAsync(connection, "SAVEPOINT loader_append", cancellationToken).ConfigureAwait(false);
            try
            {
                await CopyAsync(connection, copy, spec.AppendCopySql, all, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, "RELEASE SAVEPOINT loader_append", cancellationToken).ConfigureAwait(false);
                await faults.AtAsync(FaultPoint.AfterCopy, connection, cancellationToken).ConfigureAwait(false);
                await faults.AtAsync(FaultPoint.AfterUpsert, connection, cancellationToken).ConfigureAwait(false);
                return new TableWriteOutcome(count, Appended: true);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation || PostgresFailures.IsDataError(ex))
            {
                // An existing key takes the upsert; a refused value is isolated there.
                await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT loader_append; RELEASE SAVEPOINT loader_append", cancellationToken).ConfigureAwait(false);
            }
        }

        await ExecuteAsync(connection, spec.CreateStagingSql, cancellationToken).ConfigureAwait(false);
        var changed = await UpsertIsolatingRefusedAsync(connection, copy, all, faults, refused, cancellationToken).ConfigureAwait(false);
        return new TableWriteOutcome(changed, Appended: false);
    }

    /// <summary>
    /// Stages and upserts <paramref name="subset"/> under a savepoint. When the database refuses a value (SQLSTATE class
    /// 22/23: a CHECK, an overflow), the savepoint undoes the attempt and each half is tried on its own, down to the
    /// single rows that fail: k bad rows among n cost about 2·k·log2(n) extra statements, and the good rows still land
    /// in this transaction with the offsets. Retrying the whole batch could never succeed, and would stall the partition.
    /// </summary>
    private async Task<int> UpsertIsolatingRefusedAsync(
        NpgsqlConnection connection, BinaryCopyRows copy, ArraySegment<int> subset, IBatchFaults faults, ICollection<RowRefusal> refused, CancellationToken cancellationToken)
    {
        var whole = subset.Count == count;
        await ExecuteAsync(connection, "SAVEPOINT loader_rows", cancellationToken).ConfigureAwait(false);
        try
        {
            await CopyAsync(connection, copy, spec.CopySql, subset, cancellationToken).ConfigureAwait(false);
            await faults.AtAsync(FaultPoint.AfterCopy, connection, cancellationToken).ConfigureAwait(false);
            await using var upsert = new NpgsqlCommand(spec.UpsertSql, connection);
            var changed = await upsert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            await faults.AtAsync(FaultPoint.AfterUpsert, connection, cancellationToken).ConfigureAwait(false);
            // Staging empties at commit; a part of a bisected batch must empty it for the next part.
            var release = whole ? "RELEASE SAVEPOINT loader_rows" : $"DELETE FROM {spec.StagingTable}; RELEASE SAVEPOINT loader_rows";
            await ExecuteAsync(connection, release, cancellationToken).ConfigureAwait(false);
            return changed;
        }
        catch (PostgresException ex) when (PostgresFailures.IsDataError(ex))
        {
            await ExecuteAsync(connection, "ROLLBACK TO SAVEPOINT loader_rows; RELEASE SAVEPOINT loader_rows", cancellationToken).ConfigureAwait(false);
            if (subset.Count == 1)
            {
                refused.Add(new RowRefusal(origins[subset[0]], spec.Table, ex));
                return 0;
            }

            var half = subset.Count / 2;
            return await UpsertIsolatingRefusedAsync(connection, copy, subset[..half], faults, refused, cancellationToken).ConfigureAwait(false)
                + await UpsertIsolatingRefusedAsync(connection, copy, subset[half..], faults, refused, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends the rows of <paramref name="subset"/> as one binary COPY, in buffers of about 256 kB.</summary>
    private async Task CopyAsync(NpgsqlConnection connection, BinaryCopyRows copy, string copySql, ArraySegment<int> subset, CancellationToken cancellationToken)
    {
        const int FlushAt = 256 * 1024;
        await using var stream = await connection.BeginRawBinaryCopyAsync(copySql, cancellationToken).ConfigureAwait(false);
        copy.Clear();
        copy.WriteHeader();
        foreach (var at in subset)
        {
            copy.Raw(encoded.Slice(rows[at].Start, rows[at].Length));
            if (copy.Length >= FlushAt)
            {
                await stream.WriteAsync(copy.Written, cancellationToken).ConfigureAwait(false);
                copy.Clear();
            }
        }

        copy.WriteTrailer();
        await stream.WriteAsync(copy.Written, cancellationToken).ConfigureAwait(false);
        copy.Clear();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
