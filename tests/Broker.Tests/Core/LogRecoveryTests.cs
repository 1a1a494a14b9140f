using System.Buffers.Binary;
using CryptoStreams.Broker.Log;
using CryptoStreams.Broker.Protocol;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace CryptoStreams.Broker.Tests.Core;

/// <summary>Record batch checks and segment recovery after a torn write, without a network.</summary>
public sealed class LogRecoveryTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "broker-log-" + Guid.NewGuid().ToString("N"));

    public LogRecoveryTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    /// <summary>A minimal valid v2 batch of <paramref name="records"/> uncompressed records (keys "k{i}").</summary>
    internal static byte[] Batch(int records, long producerId = -1, short epoch = -1, int baseSequence = -1, long timestamp = 1_000)
    {
        using var body = new KafkaWriter();
        for (var i = 0; i < records; i++)
        {
            var key = System.Text.Encoding.UTF8.GetBytes("k" + i);
            using var record = new KafkaWriter();
            record.WriteInt8(0);
            record.WriteVarLong(i);
            record.WriteVarInt(i);
            record.WriteVarInt(key.Length);
            record.WriteRaw(key);
            record.WriteVarInt(1);
            record.WriteRaw("v"u8);
            record.WriteVarInt(0);
            body.WriteVarInt(record.Length);
            body.WriteRaw(record.WrittenSpan);
        }

        var batch = new byte[RecordBatchHeader.Size + body.Length];
        var span = batch.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LengthAt..], batch.Length - RecordBatchHeader.LogOverhead);
        span[RecordBatchHeader.MagicAt] = 2;
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.LastOffsetDeltaAt..], records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.BaseTimestampAt..], timestamp);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.MaxTimestampAt..], timestamp + records - 1);
        BinaryPrimitives.WriteInt64BigEndian(span[RecordBatchHeader.ProducerIdAt..], producerId);
        BinaryPrimitives.WriteInt16BigEndian(span[RecordBatchHeader.ProducerEpochAt..], epoch);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.BaseSequenceAt..], baseSequence);
        BinaryPrimitives.WriteInt32BigEndian(span[RecordBatchHeader.RecordCountAt..], records);
        body.WrittenSpan.CopyTo(span[RecordBatchHeader.Size..]);
        BinaryPrimitives.WriteUInt32BigEndian(span[RecordBatchHeader.CrcAt..], Crc32C.Compute(span[RecordBatchHeader.AttributesAt..]));
        return batch;
    }

    private PartitionLog Open() =>
        PartitionLog.Open(_root, "t", 0, new TopicConfig(new CryptoStreams.Broker.BrokerOptions()), TimeProvider.System, null);

    [Fact]
    public void Crc32C_matches_the_standard_check_value() =>
        Assert.Equal(0xE3069283u, Crc32C.Compute("123456789"u8));

    [Property(MaxTest = 50)]
    public Property Any_flipped_byte_after_the_crc_field_is_rejected(PositiveInt records, NonNegativeInt where)
    {
        var batch = Batch(1 + (records.Get % 20));
        var at = RecordBatchHeader.AttributesAt + (where.Get % (batch.Length - RecordBatchHeader.AttributesAt));
        batch[at] ^= 0x5A;
        return (RecordBatchHeader.Validate(batch, out _) != ErrorCode.None).ToProperty();
    }

    [Fact]
    public void A_torn_tail_is_truncated_on_open_and_appends_continue_after_the_last_whole_batch()
    {
        using (var log = Open())
        {
            Assert.Equal(ErrorCode.None, log.Append(Batch(3)).Error);
            Assert.Equal(ErrorCode.None, log.Append(Batch(2)).Error);
            log.Flush();
        }

        var segment = Directory.GetFiles(Path.Combine(_root, "t-0"), "*.log").Single();
        var whole = new FileInfo(segment).Length;
        using (var file = new FileStream(segment, FileMode.Append))
        {
            var torn = Batch(4);
            file.Write(torn.AsSpan(0, torn.Length - 7));
        }

        using (var log = Open())
        {
            Assert.Equal(whole, new FileInfo(segment).Length);
            Assert.Equal(5, log.HighWatermark);
            var appended = log.Append(Batch(1));
            Assert.Equal(5, appended.BaseOffset);
            Assert.Equal(6, log.HighWatermark);
        }
    }

    [Fact]
    public void Corrupt_bytes_inside_the_last_batch_cut_the_log_at_that_batch()
    {
        using (var log = Open())
        {
            log.Append(Batch(3));
            log.Append(Batch(3));
            log.Flush();
        }

        var segment = Directory.GetFiles(Path.Combine(_root, "t-0"), "*.log").Single();
        var bytes = File.ReadAllBytes(segment);
        bytes[^3] ^= 0xFF;
        File.WriteAllBytes(segment, bytes);
        using var reopened = Open();
        Assert.Equal(3, reopened.HighWatermark);
    }

    [Fact]
    public void A_retried_idempotent_batch_gets_its_original_offset_and_a_gap_is_refused()
    {
        using var log = Open();
        Assert.Equal(0, log.Append(Batch(2, producerId: 7, epoch: 0, baseSequence: 0)).BaseOffset);
        Assert.Equal(2, log.Append(Batch(2, producerId: 7, epoch: 0, baseSequence: 2)).BaseOffset);
        var retry = log.Append(Batch(2, producerId: 7, epoch: 0, baseSequence: 2));
        Assert.Equal((ErrorCode.None, 2L), (retry.Error, retry.BaseOffset));
        Assert.Equal(4, log.HighWatermark);
        Assert.Equal(ErrorCode.OutOfOrderSequenceNumber, log.Append(Batch(1, producerId: 7, epoch: 0, baseSequence: 9)).Error);
    }

    [Fact]
    public void Producer_state_survives_reopening_so_a_retry_after_restart_is_not_duplicated()
    {
        using (var log = Open())
        {
            log.Append(Batch(2, producerId: 9, epoch: 1, baseSequence: 0));
            log.Flush();
        }

        using var reopened = Open();
        var retry = reopened.Append(Batch(2, producerId: 9, epoch: 1, baseSequence: 0));
        Assert.Equal(0, retry.BaseOffset);
        Assert.Equal(2, reopened.HighWatermark);
        Assert.Equal(ErrorCode.InvalidProducerEpoch, reopened.Append(Batch(1, producerId: 9, epoch: 0, baseSequence: 2)).Error);
    }

    [Fact]
    public void Offsets_for_timestamps_find_the_first_record_at_or_after()
    {
        using var log = Open();
        log.Append(Batch(5, timestamp: 100));
        log.Append(Batch(5, timestamp: 200));
        Assert.Equal(3, log.OffsetForTimestamp(103).Offset);
        Assert.Equal(5, log.OffsetForTimestamp(150).Offset);
        Assert.Equal(-1, log.OffsetForTimestamp(10_000).Offset);
    }
}
