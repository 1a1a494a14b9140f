namespace CryptoStreams.Topology;

/// <summary>
/// The progress of one task's inputs (partition p of every input topic: they are co-partitioned) and the event time
/// up to which windows may close: the <b>frontier</b>. An input is <i>pending</i> while it has records still to read
/// (its end offset is past everything this task processed or the group committed), or while that is unknown, for at
/// most <see cref="TopologyOptions.MaxInputWait"/>. The frontier is the lowest watermark (newest event time processed)
/// of the pending inputs, never above the newest tick of any task in the process (<see cref="NewestTick"/>): with
/// nothing pending it is that tick's event time, and oracle rounds and gap reports only ever hold it back. Which input Streamiz happens to fetch first no longer decides
/// which ticks are late.
/// </summary>
internal sealed class TaskInputs
{
    private readonly Input[] inputs;
    private readonly Dictionary<string, Input> byTopic = new(StringComparer.Ordinal);
    private readonly int partition;
    private readonly IInputLag? lag;
    private readonly TimeProvider clock;
    private readonly long maxWaitTicks;
    private readonly TopologyMetrics metrics;
    private readonly NewestTick newestTick;

    public TaskInputs(int partition, TopologySettings settings)
    {
        this.partition = partition;
        lag = settings.Runtime.InputLag;
        clock = settings.Runtime.Clock;
        maxWaitTicks = settings.Options.MaxInputWait.Ticks;
        metrics = settings.Runtime.Metrics;
        newestTick = settings.Runtime.NewestTick;
        inputs = [.. CryptoTopology.InputTopics.Select(t => new Input(t, t != Schema.Topics.RawChainlink && t != Schema.Topics.RawGaps))];
        foreach (var input in inputs)
        {
            byTopic[input.Topic] = input;
        }
    }

    /// <summary>The input a record came from, or null (a punctuation has no record).</summary>
    public Input? Of(string? topic) => topic is not null && byTopic.TryGetValue(topic, out var input) ? input : null;

    public void Processed(Input? input, long offset, long? eventTicks)
    {
        if (input is null)
        {
            return;
        }

        if (offset >= 0)
        {
            input.Next = Math.Max(input.Next, offset + 1);
        }

        if (eventTicks is { } ticks && ticks > input.Watermark)
        {
            input.Watermark = ticks;
            if (input.IsTicks)
            {
                newestTick.Observe(ticks);
            }
        }
    }

    /// <summary>True when <paramref name="offset"/> of <paramref name="input"/> was processed before (a replay after a crash).</summary>
    public static bool AlreadyProcessed(Input? input, long offset) => input is not null && offset >= 0 && offset < input.Next;

    /// <summary>Event time up to which every input that still has records to read has been read (see the class summary).</summary>
    public long Frontier()
    {
        var lowestPending = long.MaxValue;
        var now = lag is null ? 0 : clock.GetUtcNow().UtcTicks;
        foreach (var input in inputs)
        {
            if (lag is not null && input.Watermark < lowestPending && Pending(input, now))
            {
                lowestPending = input.Watermark;
            }
        }

        return Math.Min(newestTick.Ticks, lowestPending);
    }

    public void Restore(ProgressEntry progress)
    {
        foreach (var (topic, (next, watermark)) in progress.Inputs)
        {
            if (byTopic.TryGetValue(topic, out var input))
            {
                input.Next = Math.Max(input.Next, next);
                input.Watermark = Math.Max(input.Watermark, watermark);
                if (input.IsTicks)
                {
                    newestTick.Observe(input.Watermark);
                }
            }
        }
    }

    public ProgressEntry ToProgress(long closedUpTo)
    {
        var progress = new ProgressEntry { ClosedUpTo = closedUpTo };
        foreach (var input in inputs)
        {
            progress.Inputs[input.Topic] = (input.Next, input.Watermark);
        }

        return progress;
    }

    private bool Pending(Input input, long now)
    {
        if (lag!.TryGet(input.Topic, partition, out var offsets))
        {
            input.UnknownSince = null;
            input.WaitExpired = false;
            return Math.Max(input.Next, Math.Max(offsets.Committed, offsets.Low)) < offsets.End;
        }

        input.UnknownSince ??= now;
        if (now - input.UnknownSince.Value < maxWaitTicks)
        {
            return true;
        }

        if (!input.WaitExpired)
        {
            input.WaitExpired = true;
            metrics.InputWaitExpired(input.Topic);
        }

        return false;
    }

    internal sealed class Input(string topic, bool isTicks)
    {
        public string Topic { get; } = topic;

        /// <summary>Raw tick topics move the frontier; oracle rounds and gap reports only hold it back.</summary>
        public bool IsTicks { get; } = isTicks;

        /// <summary>Offset after the last processed record (0: none yet).</summary>
        public long Next { get; set; }

        public long Watermark { get; set; } = long.MinValue;

        public long? UnknownSince { get; set; }

        public bool WaitExpired { get; set; }
    }
}
