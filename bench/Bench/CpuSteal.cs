using System.Globalization;

namespace CryptoStreams.Bench;

/// <summary>
/// The machine-wide share of CPU time the hypervisor gave to others (the "steal" column of /proc/stat). On this VM
/// every fdatasync also costs the host work, and at a few thousand per second the guest's CPUs are held back for
/// ~10 ms at a time: the broker's latency tail under fsync Always follows it, so the harness prints it beside p99.
/// </summary>
internal readonly record struct CpuSteal(long Total, long Steal)
{
    /// <summary>Now, or null where /proc/stat does not exist (not Linux).</summary>
    public static CpuSteal? Read()
    {
        const string path = "/proc/stat";
        if (!File.Exists(path))
        {
            return null;
        }

        // "cpu  user nice system idle iowait irq softirq steal guest guest_nice", in clock ticks.
        var fields = File.ReadLines(path).First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
        return fields.Length < 8 ? null : new CpuSteal(fields.Sum(), fields[7]);
    }

    /// <summary>Percent of the CPU time between <paramref name="before"/> and <paramref name="after"/> that was stolen.</summary>
    public static double? Percent(CpuSteal? before, CpuSteal? after) =>
        before is { } b && after is { } a && a.Total > b.Total ? 100.0 * (a.Steal - b.Steal) / (a.Total - b.Total) : null;
}
