namespace CryptoStreams.Extractors.Exchange;

/// <summary>
/// Exponential reconnect delays with "equal jitter": half of each step is fixed and half random, so a fleet of
/// connectors cut at the same moment does not come back at the same moment, yet the delay never collapses to zero.
/// </summary>
public sealed class ReconnectBackoff
{
    private readonly TimeSpan initial;
    private readonly TimeSpan max;
    private readonly Random random;
    private int failures;

    public ReconnectBackoff(TimeSpan initial, TimeSpan max, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        this.initial = initial;
        this.max = max < initial ? initial : max;
        this.random = random;
    }

    public int ConsecutiveFailures => failures;

    /// <summary>The delay before the next attempt; each call counts one more failed attempt.</summary>
    public TimeSpan Next()
    {
        var exponent = Math.Min(failures, 30);
        failures++;
        var ceiling = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, exponent));
        var half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (random.NextDouble() * half));
    }

    /// <summary>A session delivered data: the next failure starts from the initial delay again.</summary>
    public void Reset() => failures = 0;
}
