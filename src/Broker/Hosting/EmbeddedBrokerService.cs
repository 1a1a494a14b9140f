using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CryptoStreams.Broker.Hosting;

/// <summary>Runs the embedded broker inside a generic host (<c>cryptostreams up</c>, <c>cryptostreams broker</c>).</summary>
internal sealed class EmbeddedBrokerService : IHostedService, IAsyncDisposable
{
    private readonly BrokerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly BrokerStatusSource _status;
    private EmbeddedBroker? _broker;

    public EmbeddedBrokerService(IOptions<BrokerOptions> options, ILoggerFactory loggerFactory, BrokerStatusSource status)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _status = status;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _broker = await EmbeddedBroker.StartAsync(_options, _loggerFactory, cancellationToken).ConfigureAwait(false);
        _status.Broker = _broker;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _status.Broker = null;
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
            _broker = null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync().ConfigureAwait(false);
        }
    }
}
