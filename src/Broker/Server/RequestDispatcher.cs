using System.Globalization;
using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Server;

/// <summary>Parses request headers, routes to the API handler and frames the response.</summary>
internal sealed class RequestDispatcher
{
    private readonly Dictionary<ApiKey, IApiHandler> _handlers;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Dictionary<ApiKey, string> _names;
    private readonly BrokerSecurity _security;

    public RequestDispatcher(IEnumerable<IApiHandler> handlers, BrokerMetrics metrics, ILogger logger, BrokerSecurity security)
    {
        _security = security;
        _handlers = handlers.ToDictionary(h => h.Key);
        _names = _handlers.Keys.ToDictionary(k => k, k => k.ToString());
        _metrics = metrics;
        _logger = logger;
    }

    public IReadOnlyCollection<IApiHandler> Handlers => _handlers.Values;

    /// <summary>
    /// Starts handling one frame. Synchronous failures (garbage header, unknown API) throw so the connection
    /// closes; the returned task yields the framed response or null when none is due.
    /// </summary>
    public Task<KafkaWriter?> Dispatch(FrameBuffer frame, ClientSession session, CancellationToken cancellationToken)
    {
        var connectionId = session.Id;
        var released = false;
        try
        {
            var reader = new KafkaReader(frame.Memory);
            var rawKey = reader.ReadInt16();
            var version = reader.ReadInt16();
            var correlationId = reader.ReadInt32();
            if (!_handlers.TryGetValue((ApiKey)rawKey, out var handler))
            {
                BrokerLog.UnsupportedRequest(_logger, connectionId, rawKey, version);
                throw new UnsupportedRequestException($"unknown API key {rawKey.ToString(CultureInfo.InvariantCulture)}");
            }

            if (version < handler.MinVersion || version > handler.MaxVersion)
            {
                if (handler.Key == ApiKey.ApiVersions)
                {
                    // Clients probe with their newest ApiVersions; they must get a v0 answer naming our ranges.
                    frame.Release();
                    released = true;
                    return Task.FromResult<KafkaWriter?>(ApiVersionsFallback(correlationId));
                }

                BrokerLog.UnsupportedRequest(_logger, connectionId, rawKey, version);
                throw new UnsupportedRequestException($"{handler.Key} v{version.ToString(CultureInfo.InvariantCulture)} is not supported");
            }

            SaslGate.Check(_security, session, handler.Key);
            var clientId = reader.ReadNullableString(flexible: false);
            var flexible = version >= handler.FirstFlexibleVersion;
            if (flexible)
            {
                reader.SkipTaggedFields(flexible: true);
            }

            var request = new Request(handler.Key, version, correlationId, clientId, flexible, reader, frame.Memory, connectionId) { Session = session };
            _metrics.Request(_names[handler.Key]);
            var response = new KafkaWriter(handler.Key == ApiKey.Fetch ? 64 * 1024 : 1024);
            var sizeAt = response.ReserveInt32();
            response.WriteInt32(correlationId);
            if (flexible && handler.Key != ApiKey.ApiVersions)
            {
                response.WriteEmptyTaggedFields(true);
            }

            ValueTask<bool> handled;
            try
            {
                handled = handler.HandleAsync(request, response, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }

            released = true;
            return Complete(handled, response, sizeAt, frame, request);
        }
        finally
        {
            if (!released)
            {
                frame.Release();
            }
        }
    }

    private async Task<KafkaWriter?> Complete(ValueTask<bool> handled, KafkaWriter response, int sizeAt, FrameBuffer frame, Request request)
    {
        try
        {
            if (!await handled.ConfigureAwait(false))
            {
                response.Dispose();
                return null;
            }

            response.PatchInt32(sizeAt, response.Length - 4);
            return response;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            BrokerLog.RequestFailed(_logger, ex, (short)request.Key, request.Version, request.ConnectionId);
            response.Dispose();
            throw;
        }
        finally
        {
            frame.Release();
        }
    }

    private KafkaWriter ApiVersionsFallback(int correlationId)
    {
        var response = new KafkaWriter();
        var sizeAt = response.ReserveInt32();
        response.WriteInt32(correlationId);
        response.WriteInt16((short)ErrorCode.UnsupportedVersion);
        WriteVersionRanges(response, flexible: false);
        response.PatchInt32(sizeAt, response.Length - 4);
        return response;
    }

    /// <summary>The api_keys array of an ApiVersions response.</summary>
    public void WriteVersionRanges(KafkaWriter response, bool flexible)
    {
        var handlers = _handlers.Values.OrderBy(h => h.Key).ToList();
        response.WriteArrayLength(handlers.Count, flexible);
        foreach (var handler in handlers)
        {
            response.WriteInt16((short)handler.Key);
            response.WriteInt16(handler.MinVersion);
            response.WriteInt16(handler.MaxVersion);
            response.WriteEmptyTaggedFields(flexible);
        }
    }
}
