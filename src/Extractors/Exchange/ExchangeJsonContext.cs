using System.Text.Json.Serialization;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>Binance subscribe request.</summary>
internal sealed record SubscribeRequest(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("params")] string[] Params,
    [property: JsonPropertyName("id")] int Id);

/// <summary>OKX subscribe request.</summary>
internal sealed record OkxSubscribeRequest(
    [property: JsonPropertyName("op")] string Op,
    [property: JsonPropertyName("args")] OkxChannel[] Args);

internal sealed record OkxChannel(
    [property: JsonPropertyName("channel")] string Channel,
    [property: JsonPropertyName("instId")] string InstId);

/// <summary>KuCoin subscribe request.</summary>
internal sealed record KuCoinSubscribeRequest(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("privateChannel")] bool PrivateChannel,
    [property: JsonPropertyName("response")] bool Response);

/// <summary>KuCoin application ping.</summary>
internal sealed record KuCoinPing(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("type")] string Type);

/// <summary>Coinbase subscribe request.</summary>
internal sealed record CoinbaseSubscribeRequest(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("product_ids")] string[] ProductIds,
    [property: JsonPropertyName("channels")] string[] Channels);

[JsonSerializable(typeof(SubscribeRequest))]
[JsonSerializable(typeof(OkxSubscribeRequest))]
[JsonSerializable(typeof(KuCoinSubscribeRequest))]
[JsonSerializable(typeof(KuCoinPing))]
[JsonSerializable(typeof(CoinbaseSubscribeRequest))]
internal sealed partial class ExchangeJsonContext : JsonSerializerContext;
