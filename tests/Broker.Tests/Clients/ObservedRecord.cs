using System.Text;
using Confluent.Kafka;

namespace CryptoStreams.Broker.Tests.Clients;

/// <summary>Everything a consumer can see of one record, as plain comparable values.</summary>
public sealed record ObservedRecord(
    int Partition,
    long Offset,
    string? Key,
    string? Value,
    long TimestampMs,
    TimestampType TimestampType,
    string Headers)
{
    public static ObservedRecord From(ConsumeResult<byte[]?, byte[]?> result) => new(
        result.Partition.Value,
        result.Offset.Value,
        Text(result.Message.Key),
        Text(result.Message.Value),
        result.Message.Timestamp.UnixTimestampMs,
        result.Message.Timestamp.Type,
        HeaderText(result.Message.Headers));

    public static string HeaderText(Headers? headers) =>
        headers is null ? string.Empty : string.Join(";", headers.Select(h => $"{h.Key}={Text(h.GetValueBytes()) ?? "<null>"}"));

    private static string? Text(byte[]? bytes) => bytes is null ? null : Encoding.UTF8.GetString(bytes);
}
