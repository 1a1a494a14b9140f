using CryptoStreams.Extractors.Core;
using Microsoft.Extensions.Logging;

namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// What the exchanges' scheduled jobs share: the venue's reference API, a REST gateway on the venue's settings (rate
/// limits, retries, recording under <c>job:</c> channels), the instrument lists and the symbols the venue carries.
/// </summary>
public abstract class VenueRestJob : IScheduledJob
{
    private readonly Uri restBase;

    protected VenueRestJob(IVenueReferenceApi api, ExchangeOptions options, ExchangeJobContext context, VenueInstruments instruments, StreamedSymbols symbols)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        Api = api;
        Instruments = instruments;
        Symbols = symbols;
        Time = context.Time;
        Logger = context.LoggerFactory.CreateLogger(GetType());
        Rest = context.Gateway(api.Source, options, Logger);
        restBase = new Uri(options.RestUrl.TrimEnd('/') + "/");
    }

    public string Source => Api.Source;

    public abstract ScheduledJobKind Kind { get; }

    protected IVenueReferenceApi Api { get; }

    protected RestGateway Rest { get; }

    protected VenueInstruments Instruments { get; }

    protected StreamedSymbols Symbols { get; }

    protected TimeProvider Time { get; }

    protected ILogger Logger { get; }

    public abstract Task RunAsync(IRawSink sink, CancellationToken cancellationToken);

    /// <summary>A GET on the venue's REST API, recorded under <paramref name="channel"/>.</summary>
    protected Task<RestResponse> GetAsync(string pathAndQuery, string channel, CancellationToken cancellationToken) =>
        Rest.GetAsync(new Uri(restBase, pathAndQuery), channel, cancellationToken);
}
