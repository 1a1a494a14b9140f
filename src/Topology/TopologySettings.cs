namespace CryptoStreams.Topology;

/// <summary>
/// The topology's options with what its processors share at run time (clock, metrics, status), handed to
/// each processor instance Streamiz creates per task.
/// </summary>
public sealed class TopologyRuntime
{
    public TopologyRuntime(TimeProvider? clock = null, TopologyMetrics? metrics = null, TopologyStatus? status = null, IInputLag? inputLag = null)
    {
        Clock = clock ?? TimeProvider.System;
        Metrics = metrics ?? new TopologyMetrics();
        Status = status ?? new TopologyStatus();
        InputLag = inputLag;
    }

    /// <summary>Stamps dead letters with the time of rejection. Never used for windowing: windows follow event time.</summary>
    public TimeProvider Clock { get; }

    public TopologyMetrics Metrics { get; }

    public TopologyStatus Status { get; }

    /// <summary>
    /// Which inputs still have records to read. Without it (null) windows wait for no input: they close on the newest
    /// tick's event time, which is exact only while every input is read as it is written.
    /// </summary>
    public IInputLag? InputLag { get; }

    /// <summary>The newest accepted tick of every task this runtime's topology runs (see <see cref="Topology.NewestTick"/>).</summary>
    public NewestTick NewestTick { get; } = new();
}

/// <summary>Options and runtime, validated and with the derived values the processors need.</summary>
internal sealed class TopologySettings
{
    public TopologySettings(TopologyOptions options, TopologyRuntime runtime)
    {
        var errors = TopologyOptionsValidator.Check(options);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid topology options: " + string.Join(" ", errors), nameof(options));
        }

        Options = options;
        Runtime = runtime;
        WindowTicks = options.WindowSize.Ticks;
        GraceTicks = options.Grace.Ticks;
        Consensus = new ConsensusCalculator(options);
        Normaliser = new RecordNormaliser(options, runtime.Clock);
    }

    public TopologyOptions Options { get; }

    public TopologyRuntime Runtime { get; }

    public long WindowTicks { get; }

    public long GraceTicks { get; }

    public ConsensusCalculator Consensus { get; }

    public RecordNormaliser Normaliser { get; }

    public long WindowStartOf(long eventTicks) => eventTicks - (eventTicks % WindowTicks);

    /// <summary>Stream time from which a window is closed: its end plus grace.</summary>
    public long ClosesAt(long windowStartTicks) => windowStartTicks + WindowTicks + GraceTicks;
}
