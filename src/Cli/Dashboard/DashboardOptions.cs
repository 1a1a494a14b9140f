using System.ComponentModel.DataAnnotations;
using CryptoStreams.Schema;
using CryptoStreams.Topology;
using Microsoft.Extensions.Configuration;

namespace CryptoStreams.Cli.Dashboard;

/// <summary>The <c>Dashboard</c> section: what the page marks as a deviation or a stale oracle round.</summary>
internal sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary>Deviation band drawn on the deviation panel, ± percent (Chainlink's BTC/ETH/LINK-USD feeds update at 0.5 %).</summary>
    [Range(typeof(decimal), "0", "100")]
    public decimal DeviationThresholdPercent { get; set; } = 0.5m;

    /// <summary>A round older than this at a window end is stale (the feeds' heartbeat is an hour).</summary>
    public TimeSpan OracleHeartbeat { get; set; } = TimeSpan.FromHours(1);
}

/// <summary>What the dashboard takes from the topology's configuration: the quote policy and the average lengths.</summary>
internal sealed record DashboardSettings(DashboardOptions Options, StablecoinPolicy Policy, MovingAverageKind SignalAverage, int ShortLength, int LongLength, TimeSpan Window)
{
    public static DashboardSettings From(IConfiguration configuration)
    {
        var options = new DashboardOptions();
        configuration.GetSection(DashboardOptions.Section).Bind(options);
        var topology = new TopologyOptions();
        configuration.GetSection(TopologyOptions.SectionName).Bind(topology);
        return new DashboardSettings(options, StablecoinPolicy.From(topology), topology.MovingAverage, topology.ShortLength, topology.LongLength, topology.WindowSize);
    }

    public AverageLines NewAverageLines() => new(ShortLength, LongLength);
}
