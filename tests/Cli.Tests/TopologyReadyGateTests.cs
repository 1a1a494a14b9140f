using CryptoStreams.Cli.Hosting;
using CryptoStreams.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CryptoStreams.Cli.Tests;

/// <summary><c>up</c> starts the extractors only once the topology in the same host runs.</summary>
public sealed class TopologyReadyGateTests
{
    [Fact]
    public async Task The_gate_opens_when_the_topology_runs()
    {
        var state = "REBALANCING";
        var time = new FakeTimeProvider();
        var gate = new TopologyReadyGate(() => Volatile.Read(ref state), time, NullLogger<TopologyReadyGate>.Instance);

        var start = gate.StartAsync(CancellationToken.None);
        for (var i = 0; i < 100; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(50));
        }

        Assert.False(start.IsCompleted);

        Volatile.Write(ref state, "RUNNING");
        await Eventually.HoldsAsync(() => AdvanceUntil(time, start, TimeSpan.FromMilliseconds(50)), "the gate opens once the topology runs");
        Assert.True(time.GetUtcNow() - time.Start < TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task The_gate_gives_up_waiting_after_a_minute_rather_than_never_starting_the_extractors()
    {
        var time = new FakeTimeProvider();
        var gate = new TopologyReadyGate(() => "REBALANCING", time, NullLogger<TopologyReadyGate>.Instance);

        var start = gate.StartAsync(CancellationToken.None);
        await Eventually.HoldsAsync(() => AdvanceUntil(time, start, TimeSpan.FromSeconds(5)), "the gate gives up");
        await start;
        Assert.True(time.GetUtcNow() - time.Start >= TimeSpan.FromSeconds(60));
    }

    // The gate re-arms its probe after each one fires, so time moves one probe at a time and the condition is re-read.
    private static bool AdvanceUntil(FakeTimeProvider time, Task start, TimeSpan step)
    {
        if (!start.IsCompleted)
        {
            time.Advance(step);
        }

        return start.IsCompleted;
    }
}
