using System.Diagnostics;
using Npgsql;
using NpgsqlTypes;

namespace CryptoStreams.Loader.Writing;

/// <summary>Places inside a batch's transaction where tests inject crashes.</summary>
internal enum FaultPoint
{
    TransactionStarted,
    AfterCopy,
    AfterUpsert,
    BeforeCommit,
    AfterCommit,
}

/// <summary>Crash injection for tests; production uses <see cref="NoFaults"/>.</summary>
internal interface IBatchFaults
{
    ValueTask AtAsync(FaultPoint point, NpgsqlConnection connection, CancellationToken cancellationToken);
}

internal sealed class NoFaults : IBatchFaults
{
    public static readonly NoFaults Instance = new();

    public ValueTask AtAsync(FaultPoint point, NpgsqlConnection connection, CancellationToken cancellationToken) => ValueTask.CompletedTask;
}

/// <summary>The database's offsets disagree with this loader's: another loader wrote these partitions meanwhile.</summary>
public sealed class StaleBatchException : Exception
{
    public StaleBatchException()
    {
    }

    public StaleBatchException(string message)
        : base(message)
    {
    }

    public StaleBatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Decides per table whether a batch first tries the append-only COPY. After a batch of a table hit an existing key
/// (provisional windows being revised), the next batches of that table go straight to the upsert for a while, then
/// the append is tried again: a failed append costs the part of the COPY before the first conflict.
/// </summary>
internal sealed class AppendPolicy
{
    internal const int UpsertBatchesAfterConflict = 8;

    private readonly Dictionary<string, int> upsertsLeft = new(StringComparer.Ordinal);

    public bool ShouldAppend(string table) => upsertsLeft.GetValueOrDefault(table) == 0;

    public void Record(string table, bool appended)
    {
        var left = upsertsLeft.GetValueOrDefault(table);
        upsertsLeft[table] = appended ? 0 : left == 0 ? UpsertBatchesAfterConflict : left - 1;
    }
}

/// <summary>What one committed batch did.</summary>
/// <param name="RowsChanged">Rows inserted or changed (a replayed identical row counts zero).</param>
/// <param name="Elapsed">Time from opening the transaction to its commit.</param>
/// <param name="DeadLetters">Every record of the batch that did not become a row: unmappable ones and those the database refused.</param>
public sealed record BatchOutcome(int RowsChanged, TimeSpan Elapsed, IReadOnlyList<RejectedRecord> DeadLetters);

/// <summary>
/// Delivers dead letters durably (e.g. to <c>dlq.loader</c>) or throws. <see cref="BatchWriter"/> calls it after the rows
/// and offsets are written and before the commit, so the offsets never move past a record whose dead letter is not
/// delivered: a crash in between re-reads the records and sends their letters again (duplicates, never losses).
/// </summary>
public interface IDeadLetterPublisher
{
    Task PublishAsync(IReadOnlyList<RejectedRecord> letters, CancellationToken cancellationToken);
}

/// <summary>
/// Writes a <see cref="LoadBatch"/> in one transaction: binary COPY into per-table staging tables, upsert on the
/// natural keys, and the partitions' next offsets into <c>market.loader_offsets</c>. Either all of it is committed or
/// none: a crash anywhere leaves the database as it was before the batch, and the loader resumes from its offsets.
/// </summary>
public sealed class BatchWriter
{
    private readonly NpgsqlDataSource dataSource;
    private readonly string consumerGroup;
    private readonly IBatchFaults faults;
    private readonly IDeadLetterPublisher? deadLetters;
    private readonly AppendPolicy appendPolicy = new();

    // One batch is written at a time; its COPY buffers are reused from batch to batch.
    private readonly BinaryCopyRows copyBuffer = new();

    /// <param name="dataSource">The market database.</param>
    /// <param name="consumerGroup">The group whose offsets the batches store.</param>
    /// <param name="deadLetters">
    /// Where dead letters go before each commit; null: nowhere, they are only returned in the <see cref="BatchOutcome"/>
    /// (benchmarks and tests that inspect them; a caller publishing them after the commit could lose them in a crash).
    /// </param>
    public BatchWriter(NpgsqlDataSource dataSource, string consumerGroup, IDeadLetterPublisher? deadLetters = null)
        : this(dataSource, consumerGroup, NoFaults.Instance, deadLetters)
    {
    }

    internal BatchWriter(NpgsqlDataSource dataSource, string consumerGroup, IBatchFaults faults, IDeadLetterPublisher? deadLetters = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(consumerGroup);
        this.dataSource = dataSource;
        this.consumerGroup = consumerGroup;
        this.faults = faults;
        this.deadLetters = deadLetters;
    }

    /// <exception cref="StaleBatchException">The stored offsets moved since this loader read them; nothing was written.</exception>
    public async Task<BatchOutcome> WriteAsync(LoadBatch batch, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var clock = Stopwatch.StartNew();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        // Rows and offsets commit or vanish together and Kafka still holds whatever a lost commit covered, so a
        // commit need not wait for the WAL flush: a server crash costs a re-read, never a row.
        await ExecuteAsync(connection, "SET LOCAL synchronous_commit = off", cancellationToken).ConfigureAwait(false);
        await faults.AtAsync(FaultPoint.TransactionStarted, connection, cancellationToken).ConfigureAwait(false);
        await FenceAsync(connection, batch, cancellationToken).ConfigureAwait(false);

        var changed = 0;
        var outcomes = new List<(string Table, bool Appended)>();
        var refused = new List<RowRefusal>();
        foreach (var table in batch.Tables)
        {
            var outcome = await table.WriteAsync(connection, copyBuffer, appendPolicy.ShouldAppend(table.Table), faults, refused, cancellationToken).ConfigureAwait(false);
            changed += outcome.RowsChanged;
            outcomes.Add((table.Table, outcome.Appended));
        }

        await SaveOffsetsAsync(connection, batch, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<RejectedRecord> letters =
        [
            .. batch.DeadLetters,
            .. refused.OrderBy(r => r.Origin.Topic, StringComparer.Ordinal).ThenBy(r => r.Origin.Partition).ThenBy(r => r.Origin.Offset).Select(r =>
                batch.DeadLetterFor(r.Origin, new MappingFailure(RecordMapper.Reasons.RefusedByDatabase(r.Error.SqlState), PostgresFailures.Describe(r.Error, r.Table)))),
        ];
        if (letters.Count > 0 && deadLetters is not null)
        {
            // Delivered before the commit that moves the offsets past these records (see IDeadLetterPublisher).
            await deadLetters.PublishAsync(letters, cancellationToken).ConfigureAwait(false);
        }

        await faults.AtAsync(FaultPoint.BeforeCommit, connection, cancellationToken).ConfigureAwait(false);
        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
        foreach (var (table, appended) in outcomes)
        {
            appendPolicy.Record(table, appended);
        }

        await faults.AtAsync(FaultPoint.AfterCommit, connection, cancellationToken).ConfigureAwait(false);
        return new BatchOutcome(changed, clock.Elapsed, letters);
    }

    /// <summary>The stored next offset of every partition of <paramref name="topics"/> for this consumer group.</summary>
    public async Task<IReadOnlyDictionary<TopicPartitionKey, long>> ReadOffsetsAsync(IEnumerable<string> topics, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using var command = new NpgsqlCommand(
            "SELECT topic, partition, next_offset FROM market.loader_offsets WHERE consumer_group = $1 AND topic = ANY($2)", connection);
        command.Parameters.AddWithValue(consumerGroup);
        command.Parameters.AddWithValue(topics.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        var offsets = new Dictionary<TopicPartitionKey, long>();
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            offsets[new TopicPartitionKey(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
        }

        return offsets;
    }

    /// <summary>
    /// Locks the batch's offset rows and checks they are where this loader expects. Two loaders that both believe they
    /// own a partition (a rebalance the other has not noticed yet) cannot both write it: the second one is refused.
    /// </summary>
    private async Task FenceAsync(NpgsqlConnection connection, LoadBatch batch, CancellationToken cancellationToken)
    {
        var ranges = batch.Partitions.ToList();
        await using var command = new NpgsqlCommand(
            """
            SELECT o.topic, o.partition, o.next_offset
            FROM market.loader_offsets o
            JOIN unnest($2::text[], $3::integer[]) AS b(topic, partition) USING (topic, partition)
            WHERE o.consumer_group = $1
            FOR UPDATE OF o
            """,
            connection);
        command.Parameters.AddWithValue(consumerGroup);
        command.Parameters.AddWithValue(ranges.Select(r => r.Partition.Topic).ToArray());
        command.Parameters.AddWithValue(ranges.Select(r => r.Partition.Partition).ToArray());
        var stored = new Dictionary<TopicPartitionKey, long>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                stored[new TopicPartitionKey(reader.GetString(0), reader.GetInt32(1))] = reader.GetInt64(2);
            }
        }

        foreach (var range in ranges)
        {
            long? actual = stored.TryGetValue(range.Partition, out var offset) ? offset : null;
            if (actual != range.ExpectedStoredOffset)
            {
                throw new StaleBatchException(
                    $"{range.Partition} of group '{consumerGroup}' is stored at {Show(actual)}, this loader expected {Show(range.ExpectedStoredOffset)}: "
                    + "another loader wrote it since; the batch is dropped and the partition re-read from the stored offset.");
            }
        }

        static string Show(long? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no offset";
    }

    private async Task SaveOffsetsAsync(NpgsqlConnection connection, LoadBatch batch, CancellationToken cancellationToken)
    {
        var ranges = batch.Partitions.ToList();
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO market.loader_offsets AS stored (consumer_group, topic, partition, next_offset, updated_at)
            SELECT $1, b.topic, b.partition, b.next_offset, now()
            FROM unnest($2::text[], $3::integer[], $4::bigint[]) AS b(topic, partition, next_offset)
            ON CONFLICT (consumer_group, topic, partition)
            DO UPDATE SET next_offset = EXCLUDED.next_offset, updated_at = EXCLUDED.updated_at
            """,
            connection);
        command.Parameters.AddWithValue(consumerGroup);
        command.Parameters.AddWithValue(ranges.Select(r => r.Partition.Topic).ToArray());
        command.Parameters.AddWithValue(ranges.Select(r => r.Partition.Partition).ToArray());
        command.Parameters.Add(new NpgsqlParameter { Value = ranges.Select(r => r.NextOffset).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint });
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
