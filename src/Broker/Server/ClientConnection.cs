using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Threading.Channels;
using CryptoStreams.Broker.Diagnostics;
using CryptoStreams.Broker.Protocol;
using CryptoStreams.Broker.Security;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Server;

/// <summary>
/// One client TCP connection: reads size-prefixed request frames, starts each handler in arrival order,
/// and writes the responses back in the same order. Reading never waits for a response: librdkafka pipelines
/// produce requests, and every request already in the socket must join the next group-commit fsync rather than
/// queue behind the previous one (a cap of a few dozen in flight made throughput = cap / fsync time).
/// A malformed frame, an unknown API or an oversized frame closes only this connection.
/// </summary>
internal sealed class ClientConnection
{
    // Bounds on what one connection may have read but not yet answered: many small requests, or fewer big ones.
    private const int MaxInFlight = 4096;
    private const long MaxInFlightBytes = 64L * 1024 * 1024;
    private const int DirectWriteBytes = 256 * 1024;

    private readonly Socket _socket;
    private readonly long _id;
    private readonly RequestDispatcher _dispatcher;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxFrame;
    private readonly Channel<PendingResponse> _responses =
        Channel.CreateBounded<PendingResponse>(new BoundedChannelOptions(MaxInFlight) { SingleReader = true, SingleWriter = true });

    private readonly AppendSignal _responseWritten = new();
    private long _inFlightBytes;

    public ClientConnection(Socket socket, long id, RequestDispatcher dispatcher, BrokerMetrics metrics, ILogger logger, int maxFrame)
    {
        _socket = socket;
        _id = id;
        _dispatcher = dispatcher;
        _metrics = metrics;
        _logger = logger;
        _maxFrame = maxFrame;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var remote = _socket.RemoteEndPoint?.ToString();
        BrokerLog.ConnectionOpened(_logger, _id, remote);
        _metrics.ConnectionOpened();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        await using var stream = new NetworkStream(_socket, ownsSocket: true);
        var reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 16 * 1024));
        var writing = WriteResponsesAsync(stream, stop);
        try
        {
            await ReadRequestsAsync(reader, remote, stop.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Client went away or broker stopping.
        }
        finally
        {
            // The peer stopped sending (or broke the protocol): pending long polls and joins are abandoned
            // rather than holding the connection open for their full wait.
            _responses.Writer.TryComplete();
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await writing.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The peer closed before reading its responses.
            }

            await reader.CompleteAsync().ConfigureAwait(false);
            _metrics.ConnectionClosed();
            BrokerLog.ConnectionClosed(_logger, _id);
        }
    }

    private async Task ReadRequestsAsync(PipeReader reader, string? remote, CancellationToken cancellationToken)
    {
        var session = new ClientSession(_id, remote);
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            string? problem;
            while (TryTakeFrame(ref buffer, out var frame, out problem))
            {
                _metrics.Received(frame.Length + 4);
                Task<KafkaWriter?> response;
                try
                {
                    response = _dispatcher.Dispatch(frame, session, cancellationToken);
                }
                catch (MalformedRequestException ex)
                {
                    BrokerLog.ConnectionRejected(_logger, _id, remote, "malformed request: " + ex.Message);
                    return;
                }
                catch (UnsupportedRequestException ex)
                {
                    BrokerLog.ConnectionRejected(_logger, _id, remote, ex.Message);
                    return;
                }

                if (!_responses.Writer.TryWrite(new PendingResponse(response, frame.Length)))
                {
                    await _responses.Writer.WriteAsync(new PendingResponse(response, frame.Length), cancellationToken).ConfigureAwait(false);
                }

                if (Interlocked.Add(ref _inFlightBytes, frame.Length) > MaxInFlightBytes)
                {
                    await WaitForResponsesWrittenAsync(cancellationToken).ConfigureAwait(false);
                }
            }

            if (problem is not null)
            {
                BrokerLog.ConnectionRejected(_logger, _id, remote, problem);
                return;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                return;
            }
        }
    }

    private async Task WaitForResponsesWrittenAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var written = _responseWritten.Next();
            if (Volatile.Read(ref _inFlightBytes) <= MaxInFlightBytes)
            {
                return;
            }

            await written.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private bool TryTakeFrame(ref ReadOnlySequence<byte> buffer, out FrameBuffer frame, out string? problem)
    {
        frame = default;
        problem = null;
        if (buffer.Length < 4)
        {
            return false;
        }

        Span<byte> sizeBytes = stackalloc byte[4];
        buffer.Slice(0, 4).CopyTo(sizeBytes);
        var size = BinaryPrimitives.ReadInt32BigEndian(sizeBytes);
        if (size < 8 || size > _maxFrame)
        {
            problem = $"frame size {size} outside 8..{_maxFrame}";
            return false;
        }

        if (buffer.Length < 4 + size)
        {
            return false;
        }

        var array = ArrayPool<byte>.Shared.Rent(size);
        buffer.Slice(4, size).CopyTo(array);
        buffer = buffer.Slice(4 + size);
        frame = new FrameBuffer(array, size);
        return true;
    }

    /// <summary>
    /// Writes responses in request order. Responses that are already complete are coalesced into one socket write
    /// (a group commit completes dozens of produce requests at once).
    /// </summary>
    private async Task WriteResponsesAsync(NetworkStream stream, CancellationTokenSource stop)
    {
        var cancellationToken = stop.Token;
        var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        try
        {
            await foreach (var pending in _responses.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                KafkaWriter? response;
                try
                {
                    response = await pending.Response.ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The dispatcher already turned expected failures into error responses; anything else ends the connection.
                    _socket.Close();
                    throw;
                }

                if (response is not null)
                {
                    using (response)
                    {
                        if (response.Length >= DirectWriteBytes)
                        {
                            // Big fetch responses go straight to the socket instead of being copied through the pipe.
                            await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                            await stream.WriteAsync(response.WrittenMemory, cancellationToken).ConfigureAwait(false);
                        }
                        else
                        {
                            output.Write(response.WrittenSpan);
                        }

                        _metrics.Sent(response.Length);
                    }
                }

                Interlocked.Add(ref _inFlightBytes, -pending.FrameBytes);
                _responseWritten.Signal();
                if (!_responses.Reader.TryPeek(out var next) || !next.Response.IsCompleted)
                {
                    await output.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            // However writing ended, the reader must not stay parked waiting for room that only this loop makes.
            await stop.CancelAsync().ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>A dispatched request whose response is not written yet, and the frame bytes it holds.</summary>
internal readonly record struct PendingResponse(Task<KafkaWriter?> Response, int FrameBytes);

/// <summary>A request frame in a pooled array, returned to the pool when its request is done.</summary>
internal readonly record struct FrameBuffer(byte[] Array, int Length)
{
    public Memory<byte> Memory => Array.AsMemory(0, Length);

    public void Release() => ArrayPool<byte>.Shared.Return(Array);
}

/// <summary>An API key or version this broker does not serve (the connection is closed, as Kafka does).</summary>
internal sealed class UnsupportedRequestException : Exception
{
    public UnsupportedRequestException(string message)
        : base(message)
    {
    }

    public UnsupportedRequestException()
    {
    }

    public UnsupportedRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
