using System.Net.Http.Headers;
using System.Text.Json;

namespace CryptoStreams.Extractors.Chainlink;

/// <summary>A JSON-RPC error object (or a transport failure) from the Ethereum endpoint.</summary>
public sealed class JsonRpcException : Exception
{
    public JsonRpcException()
    {
    }

    public JsonRpcException(string message)
        : base(message)
    {
    }

    public JsonRpcException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The answer of one <c>eth_call</c>: the result hex and the whole response body (for recording).</summary>
public readonly record struct EthCallResult(string ResultHex, byte[] Body);

/// <summary>
/// Just enough JSON-RPC for <c>eth_call</c> against the latest block. Small and exact: results stay hex
/// strings until <see cref="AbiDecoder"/> reads them. Not Nethereum's RPC client: that one hands back the decoded
/// result only, while every response body is recorded for replay and goes with a dead letter as it came.
/// </summary>
public sealed class EthJsonRpcClient(HttpClient http, Uri endpoint)
{
    private long _nextId;

    public async Task<EthCallResult> CallAsync(string contract, string data, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref _nextId);
        var request = BuildRequest(id, contract, data);
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(endpoint, content, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new JsonRpcException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} from {endpoint.Host}");
        }

        return new EthCallResult(ReadResult(body), body);
    }

    /// <summary>The <c>result</c> hex of a JSON-RPC answer; a JSON-RPC error or a body without one throws <see cref="JsonRpcException"/>.</summary>
    public static string ReadResult(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var document = JsonDocument.ParseValue(ref reader);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new JsonRpcException("response is not a JSON-RPC object");
            }

            if (root.TryGetProperty("error", out var error) && error.ValueKind != JsonValueKind.Null)
            {
                throw new JsonRpcException("eth_call error: " + error.GetRawText());
            }

            if (!root.TryGetProperty("result", out var result) || result.ValueKind != JsonValueKind.String)
            {
                throw new JsonRpcException("eth_call response has no result string");
            }

            return result.GetString()!;
        }
        catch (JsonException ex)
        {
            throw new JsonRpcException("response is not JSON: " + ex.Message, ex);
        }
    }

    private static byte[] BuildRequest(long id, string contract, string data)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            writer.WriteNumber("id", id);
            writer.WriteString("method", "eth_call");
            writer.WriteStartArray("params");
            writer.WriteStartObject();
            writer.WriteString("to", contract);
            writer.WriteString("data", data);
            writer.WriteEndObject();
            writer.WriteStringValue("latest");
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
