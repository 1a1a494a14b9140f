using System.Diagnostics;
using System.Globalization;
using System.Text;
using CryptoStreams.Extractors.Binance;
using CryptoStreams.Extractors.Core;
using CryptoStreams.Extractors.Okx;

namespace CryptoStreams.Bench;

/// <summary>
/// Parse rate of recorded Binance and OKX trade messages into ticks on one core (one thread):
/// <c>dotnet run -c Release --project bench/Bench -- parse [seconds-per-venue]</c>.
/// </summary>
public sealed class ExchangeParseHarness : IHarness
{
    private const int Batch = 1000;

    public string Name => "parse";

    public string Description => "exchange frame parsing: recorded Binance/OKX trade messages → Tick, msgs/s on one thread";

    public Task<int> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        Run("binance", new BinanceFrameParser(), seconds, cancellationToken);
        Run("okx", new OkxFrameParser(), seconds, cancellationToken);
        return Task.FromResult(0);
    }

    private static void Run(string venue, IFrameParser parser, double seconds, CancellationToken cancellationToken)
    {
        var receivedAt = DateTimeOffset.UtcNow;

        // Only the frames that are trades: control frames would flatter the rate.
        var frames = File.ReadAllLines(Path.Combine(FixtureRoot(), venue, "ws.ndjson"))
            .Where(l => l.Length > 0)
            .Select(Encoding.UTF8.GetBytes)
            .Where(f => parser.Parse(f, receivedAt).Ticks.Count > 0)
            .ToArray();

        // Warm up so tiered JIT has optimised the parser before timing.
        for (var i = 0; i < 200_000; i++)
        {
            parser.Parse(frames[i % frames.Length], receivedAt);
        }

        var batchNanos = new List<double>();
        long messages = 0, ticks = 0;
        using var process = Process.GetCurrentProcess();
        var cpuBefore = process.TotalProcessorTime;
        var allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        var total = Stopwatch.StartNew();
        var batch = new Stopwatch();
        while (total.Elapsed.TotalSeconds < seconds && !cancellationToken.IsCancellationRequested)
        {
            batch.Restart();
            for (var i = 0; i < Batch; i++)
            {
                ticks += parser.Parse(frames[(int)(messages++ % frames.Length)], receivedAt).Ticks.Count;
            }

            batchNanos.Add(batch.Elapsed.TotalNanoseconds / Batch);
        }

        total.Stop();
        var allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        process.Refresh();

        // On a shared machine wall-clock time includes waiting for a core; CPU time is what the parsing cost.
        var cpu = process.TotalProcessorTime - cpuBefore;
        batchNanos.Sort();
        var rate = messages / total.Elapsed.TotalSeconds;
        var cpuRate = messages / cpu.TotalSeconds;
        Console.WriteLine(FormattableString.Invariant(
            $"{venue,-8} {frames.Length} recorded trade frames, {messages:N0} msgs in {total.Elapsed.TotalSeconds:0.00} s: {rate:N0} msgs/s wall, {cpuRate:N0} msgs per CPU-second ({ticks:N0} ticks); per message p50 {batchNanos[batchNanos.Count / 2]:0} ns, p99 {batchNanos[(int)(batchNanos.Count * 0.99)]:0} ns, {(double)allocated / messages:0} B allocated"));
    }

    private static string FixtureRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CryptoStreams.sln")))
            {
                return Path.Combine(dir.FullName, "tests", "fixtures");
            }
        }

        throw new InvalidOperationException("run from inside the repository: tests/fixtures not found");
    }
}
