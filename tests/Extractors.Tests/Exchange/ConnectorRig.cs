using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Tests.FakeServers;
using Microsoft.Extensions.Logging.Abstractions;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>A connector running against a fake venue, with an in-memory sink and recorder; disposing stops both.</summary>
public sealed class ConnectorRig : IAsyncDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly HttpClient http = new();
    private readonly ExchangeTelemetry telemetry = new();
    private Task? run;

    public ConnectorRig(FakeVenue venue)
    {
        Venue = venue;
        Context = new ExchangeConnectorContext(http, Recorder, Board, telemetry, TimeProvider.System, NullLoggerFactory.Instance);
    }

    public FakeVenue Venue { get; }

    public RecordingSink Sink { get; } = new();

    public RecordingFrameRecorder Recorder { get; } = new();

    public ExchangeStatusBoard Board { get; } = new();

    public ExchangeConnectorContext Context { get; }

    public ExchangeConnector? Connector { get; private set; }

    public ExchangeConnectorStatus Status => Board.Of(Connector!.Source) ?? throw new InvalidOperationException("connector never reported");

    /// <summary>Options every connector test shares: short delays so reconnects happen within the test.</summary>
    public static void Quick(ExchangeOptions options)
    {
        options.ReconnectInitialDelay = TimeSpan.FromMilliseconds(50);
        options.ReconnectMaxDelay = TimeSpan.FromMilliseconds(200);
        options.StallTimeout = TimeSpan.FromSeconds(20);
        options.RestTimeout = TimeSpan.FromSeconds(10);
        options.ConnectTimeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>Aims a venue's options at its fake (REST and WebSocket, the latter under <paramref name="webSocketPath"/>), with the symbols given and <see cref="Quick"/> delays.</summary>
    public static TOptions AimAt<TOptions>(TOptions options, FakeVenue venue, IEnumerable<string> symbols, string webSocketPath = "")
        where TOptions : ExchangeOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(venue);
        options.WebSocketUrl = new Uri(venue.WebSocketBase, webSocketPath).ToString();
        options.RestUrl = venue.HttpBase.ToString();
        foreach (var symbol in symbols)
        {
            options.Symbols.Add(symbol);
        }

        Quick(options);
        return options;
    }

    public void Start(ExchangeConnector connector)
    {
        Connector = connector;
        run = connector.RunAsync(Sink, stop.Token);
    }

    /// <summary>Trade ids published, in publishing order.</summary>
    public IReadOnlyList<long> PublishedIds => [.. Sink.Ticks.Select(t => long.Parse(t.TradeId!, System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Waits for a condition; on timeout the failure says what the connector and the venue did.</summary>
    public async Task WaitForAsync(Func<bool> condition, string what, TimeSpan timeout)
    {
        try
        {
            await CryptoStreams.TestSupport.Eventually.HoldsAsync(condition, what, timeout);
        }
        catch (TimeoutException ex)
        {
            var rest = string.Join(", ", Venue.RestRequests.Select(r => $"{r.Request.Method} {r.Request.Target} -> {r.Status}"));
            throw new TimeoutException(
                $"{ex.Message}\nstatus: {(Board.Snapshot() is { Count: > 0 } all ? all[0] : null)}\nids: {string.Join(',', Sink.Ticks.Select(t => t.TradeId))}\ngaps: {string.Join(" | ", Sink.Gaps)}\nconnections: {Venue.Connections}\nrest: {rest}",
                ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        if (run is not null)
        {
            // RunAsync returns on cancellation and never throws for connection trouble.
            await run.WaitAsync(TimeSpan.FromSeconds(15));
        }

        await Venue.DisposeAsync();
        http.Dispose();
        telemetry.Dispose();
        stop.Dispose();
    }
}
