using CryptoStreams.Broker.Protocol;

namespace CryptoStreams.Broker.Server;

/// <summary>
/// Serves one Kafka API. <see cref="HandleAsync"/> is called in request order on the connection's read loop and
/// must do its order-sensitive work (e.g. appends) before its first await; responses are sent in request order.
/// </summary>
internal interface IApiHandler
{
    ApiKey Key { get; }

    short MinVersion { get; }

    short MaxVersion { get; }

    /// <summary>First flexible version (compact encodings, tagged fields); short.MaxValue if none is served.</summary>
    short FirstFlexibleVersion { get; }

    /// <summary>Writes the response body after the header; returns false when no response is sent (acks=0).</summary>
    ValueTask<bool> HandleAsync(Request request, KafkaWriter response, CancellationToken cancellationToken);
}
