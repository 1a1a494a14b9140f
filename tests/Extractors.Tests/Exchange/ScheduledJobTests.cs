using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Coinbase;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Exchange;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Extractors.KuCoin;
using CryptoStreams.Extractors.Okx;
using CryptoStreams.Extractors.Tests.FakeServers;
using CryptoStreams.Extractors.Tests.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Exchange;

/// <summary>
/// The exchanges' scheduled jobs against the fake venues serving recorded reference data (tests/fixtures/&lt;venue&gt;:
/// instrument lists and 1-minute candles in each venue's documented format). The clock stands at 12:22:30 on the
/// fixtures' day, so the 12:22 candle is still open and must not be published.
/// </summary>
public sealed class ScheduledJobTests
{
    private static readonly DateTimeOffset Now = new(2024, 11, 25, 12, 22, 30, TimeSpan.Zero);

    /// <summary>Each venue: its fake, its reference API, options aimed at the fake, and what its fixtures say.</summary>
    public sealed record Venue(
        string Name,
        Func<FakeVenue> Fake,
        Func<IVenueReferenceApi> Api,
        Func<FakeVenue, ExchangeOptions> Options,
        string InstrumentsPath,
        string InstrumentsFixture,
        string CandlesPath,
        string CandlesFixture,
        string Quote,
        string Unavailable,
        bool ReportsQuoteVolume,
        bool ReportsTradeCount)
    {
        public override string ToString() => Name;
    }

    public static TheoryData<Venue> Venues() =>
    [
        new(Sources.Binance, () => new FakeBinance(), () => new BinanceReferenceApi(), f => With(new BinanceOptions(), f, "USDT"),
            "/api/v3/exchangeInfo", "rest-exchangeInfo.json", "/api/v3/klines", "rest-klines-BTCUSDT.json", "USDT", "LINK-USDT: halted on binance (BREAK)", true, true),
        new(Sources.KuCoin, () => new FakeKuCoin(), () => new KuCoinReferenceApi(), f => With(new KuCoinOptions(), f, "USDT"),
            "/api/v2/symbols", "rest-symbols.json", "/api/v1/market/candles", "rest-candles-1min-BTC-USDT.json", "USDT", "LINK-USDT: unknown on kucoin", true, false),
        new(Sources.Okx, () => new FakeOkx(), () => new OkxReferenceApi(), f => With(new OkxOptions(), f, "USDT"),
            "/api/v5/public/instruments", "rest-instruments-SPOT.json", "/api/v5/market/candles", "rest-candles-BTC-USDT.json", "USDT", "LINK-USDT: halted on okx (suspend)", true, false),
        new(Sources.Coinbase, () => new FakeCoinbase(), () => new CoinbaseReferenceApi(), f => With(new CoinbaseOptions(), f, "USD"),
            "/products", "rest-products.json", "/products/BTC-USD/candles", "rest-candles-BTC-USD.json", "USD", "LINK-USD: halted on coinbase (delisted, trading disabled)", false, false),
    ];

    [Theory]
    [MemberData(nameof(Venues))]
    public async Task Instrument_refresh_reads_the_venue_list_and_names_the_carried_symbols_that_do_not_trade_there(Venue venue)
    {
        await using var fake = venue.Fake();
        fake.ReferenceAnswers[venue.InstrumentsPath] = Reply(venue.Name, venue.InstrumentsFixture);
        var clock = new FakeTimeProvider(Now);
        var instruments = new VenueInstruments();
        var refreshed = new List<string>();
        instruments.Refreshed += (_, source) => refreshed.Add(source);
        var recorder = new RecordingFrameRecorder();
        using var http = new HttpClient();
        var options = venue.Options(fake);
        var job = new InstrumentRefreshJob(venue.Api(), options, Context(http, recorder, clock), instruments, new StreamedSymbols(options, null));

        await job.RunAsync(new MemorySink(), CancellationToken.None);

        var request = Assert.Single(fake.RestRequests).Request;
        Assert.Equal(venue.InstrumentsPath, request.Path);
        if (venue.Name == Sources.Okx)
        {
            Assert.Equal("SPOT", request.Query("instType"));
        }

        Assert.Equal([venue.Name], refreshed);
        Assert.Equal(Now, instruments.RefreshedAt(venue.Name));
        var (trading, unavailable) = instruments.Split(venue.Name, options.Symbols.ToList());
        Assert.Equal([$"BTC-{venue.Quote}", $"ETH-{venue.Quote}"], trading);
        Assert.Equal([venue.Unavailable], unavailable);
        Assert.Equal(InstrumentAvailability.Unknown, instruments.Check(venue.Name, "DOGE-EUR").Availability);
        Assert.Equal(FrameChannels.Instruments, Assert.Single(recorder.Frames).Channel);
    }

    [Theory]
    [MemberData(nameof(Venues))]
    public async Task Candle_backfill_publishes_the_finished_candles_oldest_first_and_each_minute_once(Venue venue)
    {
        await using var fake = venue.Fake();
        fake.ReferenceAnswers[venue.CandlesPath] = Reply(venue.Name, venue.CandlesFixture);
        var clock = new FakeTimeProvider(Now);
        var sink = new MemorySink();
        var recorder = new RecordingFrameRecorder();
        using var http = new HttpClient();
        var options = venue.Options(fake);
        options.Symbols.Clear();
        options.Symbols.Add($"BTC-{venue.Quote}");
        var job = new CandleBackfillJob(venue.Api(), options, Context(http, recorder, clock), new VenueInstruments(), new StreamedSymbols(options, null), count: 60);

        await job.RunAsync(sink, CancellationToken.None);

        var minute = new DateTimeOffset(2024, 11, 25, 12, 18, 0, TimeSpan.Zero);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => minute.AddMinutes(i)), sink.Candles.Select(c => c.WindowStart));
        var first = sink.Candles[0];
        Assert.Equal(venue.Name, first.Source);
        Assert.Equal($"BTC-{venue.Quote}", first.Symbol);
        Assert.Equal(TickKind.Trade, first.Kind);
        Assert.Equal(minute.AddMinutes(1), first.WindowEnd);
        Assert.Equal((94250.00m, 94268.12m, 94240.01m, 94261.37m, 3.21456m), (first.Open, first.High, first.Low, first.Close, first.Volume));
        Assert.True(first.Final);
        Assert.Equal(Coverage.Complete, first.Coverage);
        Assert.Equal(venue.ReportsTradeCount ? 412 : 0, first.Count);

        // The fixtures' VWAPs are 94255.10; a venue without quote volume gets the typical price (H + L + C) / 3.
        var expectedVwap = venue.ReportsQuoteVolume ? 94255.10m : (94268.12m + 94240.01m + 94261.37m) / 3;
        Assert.InRange(first.Vwap, expectedVwap - 0.000001m, expectedVwap + 0.000001m);
        Assert.Equal((94290.10m, 94310.00m, 94288.70m, 94305.10m, 1.23456789m), (sink.Candles[3].Open, sink.Candles[3].High, sink.Candles[3].Low, sink.Candles[3].Close, sink.Candles[3].Volume));

        var request = Assert.Single(fake.RestRequests).Request;
        Assert.Equal(venue.CandlesPath, request.Path);
        AssertOneMinuteQuery(venue.Name, request);
        Assert.Equal(FrameChannels.Candles($"BTC-{venue.Quote}"), Assert.Single(recorder.Frames).Channel);

        // The next run sees the same minutes again (overlap): nothing is published twice.
        await job.RunAsync(sink, CancellationToken.None);
        Assert.Equal(4, sink.Candles.Count);
        Assert.Empty(sink.DeadLetters);
    }

    [Fact]
    public async Task An_unreadable_candles_answer_is_dead_lettered_with_its_bytes_and_the_other_symbols_still_run()
    {
        await using var fake = new FakeBinance();
        fake.ReferenceAnswers["/api/v3/klines"] = new HttpReply(200, """[[1732537080000,"94250.00","94268.12","94240.01","not a price","3.2",1732537139999,"302988.6",412,"1.6","151494.3","0"]]""");
        var clock = new FakeTimeProvider(Now);
        var sink = new MemorySink();
        using var http = new HttpClient();
        var options = With(new BinanceOptions(), fake, "USDT");
        var job = new CandleBackfillJob(new BinanceReferenceApi(), options, Context(http, new RecordingFrameRecorder(), clock), new VenueInstruments(), new StreamedSymbols(options, null), count: 60);

        var failure = await Assert.ThrowsAsync<RestCallException>(() => job.RunAsync(sink, CancellationToken.None));

        Assert.Equal(3, fake.RestRequests.Count);
        Assert.Equal(3, sink.DeadLetters.Count);
        var letter = sink.DeadLetters[0];
        Assert.Equal((Sources.Binance, RejectReasons.InvalidPrice), (letter.Source, letter.Reason));
        Assert.Contains("close", letter.Error, StringComparison.Ordinal);
        Assert.Contains("not a price", System.Text.Encoding.UTF8.GetString(letter.Payload), StringComparison.Ordinal);
        Assert.Empty(sink.Candles);
        Assert.Contains("BTC-USDT", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Candle_backfill_skips_symbols_the_venue_does_not_trade()
    {
        await using var fake = new FakeBinance();
        fake.ReferenceAnswers["/api/v3/klines"] = Reply(Sources.Binance, "rest-klines-BTCUSDT.json");
        var clock = new FakeTimeProvider(Now);
        var instruments = new VenueInstruments();
        instruments.Update(Sources.Binance, [new VenueInstrument("BTC-USDT", true, "TRADING"), new VenueInstrument("LINK-USDT", false, "BREAK")], Now);
        using var http = new HttpClient();
        var options = With(new BinanceOptions(), fake, "USDT");
        var job = new CandleBackfillJob(new BinanceReferenceApi(), options, Context(http, new RecordingFrameRecorder(), clock), instruments, new StreamedSymbols(options, null), count: 60);

        await job.RunAsync(new MemorySink(), CancellationToken.None);

        Assert.Equal(["BTCUSDT"], fake.RestRequests.Select(r => r.Request.Query("symbol")));
    }

    [Fact]
    public async Task After_a_refresh_the_connector_leaves_a_halted_symbol_out_of_its_subscription_and_the_status_names_it()
    {
        var venue = new FakeBinance();
        venue.ReferenceAnswers["/api/v3/exchangeInfo"] = Reply(Sources.Binance, "rest-exchangeInfo.json");
        await using var rig = new ConnectorRig(venue);
        var instruments = new VenueInstruments();
        var options = With(new BinanceOptions(), venue, "USDT");
        rig.Start(new BinanceConnector(options, new BinanceFrameParser(), rig.Context with { Instruments = instruments }));
        await rig.WaitForAsync(() => Subscriptions(venue).Count == 1, "the first subscription", TimeSpan.FromSeconds(20));
        Assert.Contains("\"linkusdt@aggTrade\"", Subscriptions(venue)[0], StringComparison.Ordinal);

        using var http = new HttpClient();
        var job = new InstrumentRefreshJob(new BinanceReferenceApi(), options, Context(http, new RecordingFrameRecorder(), TimeProvider.System), instruments, new StreamedSymbols(options, null));
        await job.RunAsync(rig.Sink, CancellationToken.None);

        await rig.WaitForAsync(() => Subscriptions(venue).Count == 2, "a subscription after the refresh", TimeSpan.FromSeconds(20));
        Assert.DoesNotContain("linkusdt", Subscriptions(venue)[1], StringComparison.Ordinal);
        Assert.Contains("\"btcusdt@aggTrade\"", Subscriptions(venue)[1], StringComparison.Ordinal);
        Assert.Contains("\"ethusdt@aggTrade\"", Subscriptions(venue)[1], StringComparison.Ordinal);

        // The host's status merges the exchange board: the snapshot says what is left out and why.
        var metrics = ExtractorHostTests.Metrics();
        var status = new ExtractorStatus(TimeProvider.System, Options.Create(new ExtractorsOptions()), metrics, rig.Board);
        status.Connected(Sources.Binance);
        var snapshot = status.Of(Sources.Binance)!;
        Assert.Equal(["LINK-USDT: halted on binance (BREAK)"], snapshot.UnavailableSymbols);
        Assert.NotNull(snapshot.InstrumentsRefreshedAt);
    }

    [Fact]
    public async Task The_host_runs_the_registered_venue_jobs_at_start_and_on_the_hour_on_a_fake_clock()
    {
        await using var fake = new FakeBinance();
        fake.ReferenceAnswers["/api/v3/exchangeInfo"] = Reply(Sources.Binance, "rest-exchangeInfo.json");
        fake.ReferenceAnswers["/api/v3/klines"] = Reply(Sources.Binance, "rest-klines-BTCUSDT.json");
        var clock = new FakeTimeProvider(Now.AddHours(-1));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Extractors:Binance:RestUrl"] = fake.HttpBase.ToString(),
            ["Extractors:Binance:WebSocketUrl"] = fake.WebSocketBase.ToString(),
            ["Extractors:Binance:Symbols:0"] = "BTC-USDT",
            ["Extractors:Binance:Symbols:1"] = "LINK-USDT",
            ["Extractors:KuCoin:Enabled"] = "false",
            ["Extractors:Okx:Enabled"] = "false",
            ["Extractors:Coinbase:Enabled"] = "false",
        }).Build();
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton<TimeProvider>(clock)
            .AddExchangeConnectors(configuration)
            .BuildServiceProvider();
        var jobs = services.GetServices<IScheduledJob>().ToList();
        Assert.Equal([(Sources.Binance, ScheduledJobKind.InstrumentRefresh), (Sources.Binance, ScheduledJobKind.CandleBackfill)], jobs.Select(j => (j.Source, j.Kind)));

        var sink = new MemorySink();
        var metrics = ExtractorHostTests.Metrics();
        var hostOptions = Options.Create(new ExtractorsOptions());
        var status = new ExtractorStatus(clock, hostOptions, metrics);
        var host = new ExtractorHost([], jobs, sink, status, metrics, hostOptions, clock, NullLogger<ExtractorHost>.Instance);
        var scheduled = new WaitLog();
        host.JobScheduled = (job, interval) => scheduled.Add(interval, job.Kind.ToString());
        await host.StartAsync(CancellationToken.None);
        try
        {
            var instruments = services.GetRequiredService<VenueInstruments>();
            await Eventually.HoldsAsync(() => instruments.RefreshedAt(Sources.Binance) is not null && scheduled.Count == 2, "the refresh at start");
            Assert.Equal(InstrumentAvailability.Halted, instruments.Check(Sources.Binance, "LINK-USDT").Availability);
            Assert.Empty(sink.Candles);

            clock.Advance(TimeSpan.FromHours(1));
            await Eventually.HoldsAsync(() => sink.Candles.Count == 4, "the hourly candle backfill");
            Assert.All(sink.Candles, c => Assert.Equal("BTC-USDT", c.Symbol));
            Assert.Equal(4, status.Of(Sources.Binance)!.Candles);
            Assert.Equal(["BTCUSDT"], fake.RestRequests.Where(r => r.Request.Path == "/api/v3/klines").Select(r => r.Request.Query("symbol")));
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Start_up_validation_refuses_a_candle_count_that_leaves_minutes_between_runs_unfetched()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Extractors:CandleBackfillInterval"] = "02:00:00",
            ["Extractors:CandleBackfillCandles"] = "90",
        }).Build();
        await using var services = new ServiceCollection().AddExtractorCore(configuration).BuildServiceProvider();

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ExtractorsOptions>>().Value);

        Assert.Contains("Extractors:CandleBackfillCandles", failure.Message, StringComparison.Ordinal);

        var off = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Extractors:CandleBackfillInterval"] = "02:00:00",
            ["Extractors:CandleBackfillCandles"] = "90",
            ["Extractors:CandleBackfillEnabled"] = "false",
        }).Build();
        await using var switchedOff = new ServiceCollection().AddExtractorCore(off).BuildServiceProvider();
        Assert.False(switchedOff.GetRequiredService<IOptions<ExtractorsOptions>>().Value.CandleBackfillEnabled);
    }

    private static TOptions With<TOptions>(TOptions options, FakeVenue fake, string quote)
        where TOptions : ExchangeOptions
    {
        ConnectorRig.AimAt(options, fake, new[] { "BTC", "ETH", "LINK" }.Select(asset => $"{asset}-{quote}"));
        options.RestAttempts = 1;
        return options;
    }

    private static ExchangeJobContext Context(HttpClient http, IFrameRecorder recorder, TimeProvider clock) =>
        new(http, recorder, new ExchangeStatusBoard(), clock, NullLoggerFactory.Instance);

    private static HttpReply Reply(string venue, string fixture) =>
        new(200, System.Text.Encoding.UTF8.GetString(Fixtures.Rest(venue, fixture)));

    private static List<string> Subscriptions(FakeVenue venue) =>
        [.. venue.ClientMessages.Where(m => m.Contains("\"SUBSCRIBE\"", StringComparison.Ordinal))];

    /// <summary>Each venue's documented parameters for 1-minute candles.</summary>
    private static void AssertOneMinuteQuery(string venue, HttpRequestHead request)
    {
        switch (venue)
        {
            case Sources.Binance:
                Assert.Equal(("BTCUSDT", "1m"), (request.Query("symbol"), request.Query("interval")));
                break;
            case Sources.KuCoin:
                Assert.Equal(("BTC-USDT", "1min"), (request.Query("symbol"), request.Query("type")));
                Assert.Equal(Now.ToUnixTimeSeconds(), long.Parse(request.Query("endAt")!, System.Globalization.CultureInfo.InvariantCulture));
                break;
            case Sources.Okx:
                Assert.Equal(("BTC-USDT", "1m"), (request.Query("instId"), request.Query("bar")));
                break;
            default:
                Assert.Equal("60", request.Query("granularity"));
                Assert.Equal("2024-11-25T12:22:00Z", Uri.UnescapeDataString(request.Query("end")!));
                break;
        }
    }
}
