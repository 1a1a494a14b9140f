using System.Diagnostics.Metrics;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Hosting;
using CryptoStreams.Schema;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Extractors.Tests.Hosting;

public sealed class ExtractorHostTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);

    internal static ExtractorMetrics Metrics() =>
        new(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>());

    private static Tick TickOf(string source, DateTimeOffset at) =>
        new(source, TickKind.Trade, "BTC-USDT", 60_000.5m, 0.01m, TradeSide.Buy, "1", at, at);

    /// <summary>Throws on its first runs, then publishes one tick and runs until stopped.</summary>
    private sealed class FlakyConnector(string source, int crashes, TimeProvider time) : ISourceConnector
    {
        private int _runs;

        public string Source => source;

        public int Runs => Volatile.Read(ref _runs);

        public async Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _runs) <= crashes)
            {
                throw new IOException($"{source} socket reset");
            }

            await sink.PublishTickAsync(TickOf(source, time.GetUtcNow()), cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }

    private sealed class SwitchedOffConnector(ISourceHealth health) : ISourceConnector
    {
        public int Runs { get; private set; }

        public string Source => Sources.CoinCap;

        public Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
        {
            Runs++;
            health.Off(Source, "no API key");
            return Task.CompletedTask;
        }
    }

    private sealed class CountingJob(ScheduledJobKind kind) : IScheduledJob
    {
        private int _runs;

        public string Source => Sources.Binance;

        public ScheduledJobKind Kind => kind;

        public int Runs => Volatile.Read(ref _runs);

        public Task RunAsync(IRawSink sink, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _runs);
            return Task.CompletedTask;
        }
    }

    private static (ExtractorHost Host, ExtractorStatus Status) Host(
        IEnumerable<ISourceConnector> connectors, IEnumerable<IScheduledJob> jobs, IRawSink sink, TimeProvider time, ExtractorsOptions? options = null, ExtractorStatus? status = null)
    {
        var metrics = Metrics();
        var wrapped = Options.Create(options ?? new ExtractorsOptions());
        status ??= new ExtractorStatus(time, wrapped, metrics);
        return (new ExtractorHost(connectors, jobs, sink, status, metrics, wrapped, time, NullLogger<ExtractorHost>.Instance), status);
    }

    [Fact]
    public async Task A_crashing_connector_is_restarted_with_growing_backoff_while_the_others_keep_running()
    {
        var clock = new FakeTimeProvider(Start);
        var flaky = new FlakyConnector(Sources.Okx, crashes: 2, clock);
        var healthy = new FlakyConnector(Sources.Binance, crashes: 0, clock);
        var sink = new MemorySink();
        var (host, status) = Host([flaky, healthy], [], sink, clock, new ExtractorsOptions { RestartMinBackoff = TimeSpan.FromSeconds(4), UnreachableAfterCrashes = 5 });
        var restarts = new WaitLog();
        host.RestartScheduled = (_, wait) => restarts.Add(wait, "restart");

        await host.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => restarts.Count == 1, "first restart scheduled");
        Assert.InRange(restarts.Waits[0].Wait, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4));
        Assert.Equal(SourceState.Restarting, status.Of(Sources.Okx)!.State);
        Assert.Contains("socket reset", status.Of(Sources.Okx)!.LastError, StringComparison.Ordinal);

        clock.Advance(restarts.Waits[0].Wait);
        await Eventually.HoldsAsync(() => restarts.Count == 2, "second restart scheduled");
        Assert.InRange(restarts.Waits[1].Wait, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8));

        clock.Advance(restarts.Waits[1].Wait);
        await Eventually.HoldsAsync(() => sink.Ticks.Count == 2, "both connectors publish");
        await host.StopAsync(CancellationToken.None);

        Assert.Equal(3, flaky.Runs);
        Assert.Equal(1, healthy.Runs);
        Assert.Equal(2, status.Of(Sources.Okx)!.Restarts);
        Assert.Equal(0, status.Of(Sources.Binance)!.Restarts);
        Assert.Equal(1, status.Of(Sources.Okx)!.Ticks);
        Assert.Equal(SourceState.Stopped, status.Of(Sources.Binance)!.State);
        Assert.Equal(SourceState.Stopped, status.Of(Sources.Okx)!.State);
    }

    [Fact]
    public async Task A_connector_crashing_again_and_again_is_shown_unreachable()
    {
        var clock = new FakeTimeProvider(Start);
        var (host, status) = Host([new FlakyConnector(Sources.KuCoin, crashes: 100, clock)], [], new MemorySink(), clock, new ExtractorsOptions { UnreachableAfterCrashes = 2 });
        var restarts = new WaitLog();
        host.RestartScheduled = (_, wait) => restarts.Add(wait, "restart");

        await host.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => restarts.Count == 1, "first crash");
        Assert.Equal(SourceState.Restarting, status.Of(Sources.KuCoin)!.State);
        clock.Advance(restarts.Waits[0].Wait);
        await Eventually.HoldsAsync(() => restarts.Count == 2, "second crash");
        Assert.Equal(SourceState.Unreachable, status.Of(Sources.KuCoin)!.State);
        await host.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task A_connector_that_switches_itself_off_is_not_restarted()
    {
        var clock = new FakeTimeProvider(Start);
        var metrics = Metrics();
        var options = Options.Create(new ExtractorsOptions());
        var status = new ExtractorStatus(clock, options, metrics);
        var off = new SwitchedOffConnector(status);
        var (host, _) = Host([off], [], new MemorySink(), clock, status: status);

        await host.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => status.Of(Sources.CoinCap)?.State == SourceState.Off, "coincap off");
        await host.StopAsync(CancellationToken.None);

        Assert.Equal(1, off.Runs);
        Assert.Equal("no API key", status.Of(Sources.CoinCap)!.LastError);
        Assert.Equal(SourceState.Off, status.Of(Sources.CoinCap)!.State);
    }

    [Fact]
    public async Task Scheduled_jobs_run_at_their_configured_intervals_and_instrument_lists_also_load_at_start()
    {
        var clock = new FakeTimeProvider(Start);
        var refresh = new CountingJob(ScheduledJobKind.InstrumentRefresh);
        var backfill = new CountingJob(ScheduledJobKind.CandleBackfill);
        var (host, _) = Host([], [refresh, backfill], new MemorySink(), clock);
        var scheduled = new WaitLog();
        host.JobScheduled = (job, interval) => scheduled.Add(interval, job.Kind.ToString());

        await host.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => scheduled.Count == 2, "both timers exist");
        Assert.Equal(
            [(TimeSpan.FromHours(1), "CandleBackfill"), (TimeSpan.FromHours(12), "InstrumentRefresh")],
            scheduled.Waits.OrderBy(w => w.Wait));
        Assert.Equal(1, refresh.Runs);
        Assert.Equal(0, backfill.Runs);

        for (var hour = 1; hour <= 12; hour++)
        {
            clock.Advance(TimeSpan.FromHours(1));
            await Eventually.HoldsAsync(() => backfill.Runs == hour, $"backfill {hour}");
        }

        await Eventually.HoldsAsync(() => refresh.Runs == 2, "refresh after 12 h");
        await host.StopAsync(CancellationToken.None);
        Assert.Equal(12, backfill.Runs);
        Assert.Equal(2, refresh.Runs);
    }

    [Fact]
    public async Task A_switched_off_candle_backfill_is_not_scheduled_while_the_instrument_refresh_is()
    {
        var clock = new FakeTimeProvider(Start);
        var refresh = new CountingJob(ScheduledJobKind.InstrumentRefresh);
        var backfill = new CountingJob(ScheduledJobKind.CandleBackfill);
        var (host, _) = Host([], [refresh, backfill], new MemorySink(), clock, new ExtractorsOptions { CandleBackfillEnabled = false });
        var scheduled = new WaitLog();
        host.JobScheduled = (job, interval) => scheduled.Add(interval, job.Kind.ToString());

        await host.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => scheduled.Count == 1, "the refresh timer exists");
        clock.Advance(TimeSpan.FromHours(12));
        await Eventually.HoldsAsync(() => refresh.Runs == 2, "refresh at start and after 12 h");
        await host.StopAsync(CancellationToken.None);

        Assert.Equal("InstrumentRefresh", Assert.Single(scheduled.Waits).Why);
        Assert.Equal(0, backfill.Runs);
    }

    [Fact]
    public async Task Status_counts_what_reaches_the_sink_per_source_and_computes_the_tick_rate()
    {
        var clock = new FakeTimeProvider(Start);
        var metrics = Metrics();
        var status = new ExtractorStatus(clock, Options.Create(new ExtractorsOptions { RateWindow = TimeSpan.FromSeconds(10) }), metrics);
        var sink = new StatusRecordingSink(new MemorySink(), status, metrics);

        for (var i = 0; i < 30; i++)
        {
            await sink.PublishTickAsync(TickOf(Sources.Binance, clock.GetUtcNow()), CancellationToken.None);
        }

        await sink.PublishGapAsync(new Gap(Sources.Binance, "BTC-USDT", Start, Start.AddSeconds(5), 0, GapCoverage.None, "test", Start), CancellationToken.None);
        await sink.PublishDeadLetterAsync(DeadLetters.ForFrame(Sources.Binance, "unparseable", "x", "{"u8, Start), CancellationToken.None);
        status.Disconnected(Sources.Binance, "stalled");
        clock.Advance(TimeSpan.FromSeconds(1));

        var binance = status.Of(Sources.Binance)!;
        Assert.Equal(30, binance.Ticks);
        Assert.Equal(3.0, binance.TicksPerSecond);
        Assert.Equal(Start, binance.LastTickAt);
        Assert.Equal(1, binance.Gaps);
        Assert.Equal(1, binance.DeadLetters);
        Assert.Equal(1, binance.Reconnects);
        Assert.Equal(SourceState.Disconnected, binance.State);

        clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(0.0, status.Of(Sources.Binance)!.TicksPerSecond);
    }
}
