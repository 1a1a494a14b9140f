using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;

namespace CryptoStreams.Broker.Server;

/// <summary>One parsed request header plus a reader positioned at the body.</summary>
internal sealed class Request
{
    public Request(ApiKey key, short version, int correlationId, string? clientId, bool flexible, KafkaReader body, Memory<byte> frame, long connectionId)
    {
        Key = key;
        Version = version;
        CorrelationId = correlationId;
        ClientId = clientId;
        Flexible = flexible;
        Body = body;
        Frame = frame;
        ConnectionId = connectionId;
    }

    public ApiKey Key { get; }

    public short Version { get; }

    public int CorrelationId { get; }

    public string? ClientId { get; }

    /// <summary>True for the flexible versions of this API (compact encodings, tagged fields).</summary>
    public bool Flexible { get; }

    public KafkaReader Body { get; }

    /// <summary>The whole frame; produce rewrites base offsets inside it before appending.</summary>
    public Memory<byte> Frame { get; }

    public long ConnectionId { get; }

    /// <summary>Who the connection authenticated as (anonymous while security is off).</summary>
    public required ClientSession Session { get; init; }
}
