using System.Net;
using System.Net.Sockets;
using CryptoStreams.Broker.Diagnostics;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Broker.Server;

/// <summary>Accepts TCP clients and runs one <see cref="ClientConnection"/> per socket.</summary>
internal sealed class BrokerListener : IAsyncDisposable
{
    // Room for a pipelined burst of produce requests and for a whole fetch response without waiting for the peer.
    private const int SocketBufferBytes = 1024 * 1024;

    private readonly Socket _listener;
    private readonly RequestDispatcher _dispatcher;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly int _maxFrame;
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<Task> _connections = [];
    private readonly Lock _lock = new();
    private Task? _acceptLoop;
    private long _nextConnectionId;

    public BrokerListener(IPEndPoint endpoint, RequestDispatcher dispatcher, BrokerMetrics metrics, ILogger logger, int maxFrame)
    {
        _dispatcher = dispatcher;
        _metrics = metrics;
        _logger = logger;
        _maxFrame = maxFrame;
        _listener = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        _listener.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Bind(endpoint);
        _listener.Listen(512);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    public IPEndPoint LocalEndPoint { get; }

    public void Start() => _acceptLoop = AcceptLoopAsync(_stop.Token);

    private async Task AcceptLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                continue;
            }

            socket.NoDelay = true;
            socket.ReceiveBufferSize = SocketBufferBytes;
            socket.SendBufferSize = SocketBufferBytes;
            var connection = new ClientConnection(socket, Interlocked.Increment(ref _nextConnectionId), _dispatcher, _metrics, _logger, _maxFrame);
            var task = Task.Run(() => connection.RunAsync(cancellationToken), CancellationToken.None);
            lock (_lock)
            {
                _connections.Add(task);
            }

            _ = task.ContinueWith(
                t =>
                {
                    lock (_lock)
                    {
                        _connections.Remove(t);
                    }
                },
                CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously,
                TaskScheduler.Default);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        if (_acceptLoop is not null)
        {
            await _acceptLoop.ConfigureAwait(false);
        }

        Task[] running;
        lock (_lock)
        {
            running = [.. _connections];
        }

        await Task.WhenAll(running).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
