using Polly;
using Polly.Retry;

namespace CryptoStreams.Extractors.Core;

/// <summary>
/// The extractors' one back-off, run by Polly's retry: the first wait is <see cref="First"/>, each failure in a row
/// doubles it, <see cref="Max"/> caps it. With <see cref="Jitter"/> each wait is drawn from the upper half of its
/// step ("equal jitter"), so a fleet of connectors cut at the same moment does not come back at the same moment,
/// yet a wait never collapses towards zero. Polly's own exponential jitter (decorrelated) can wait far less or more
/// than the step, which the supervision and reconnect contracts do not allow, so jittered steps come from
/// <see cref="Step"/> through Polly's delay generator; unjittered steps are Polly's exponential back-off as it is.
/// </summary>
public sealed record Backoff(TimeSpan First, TimeSpan Max, bool Jitter)
{
    /// <summary>Every connector retries until it is stopped.</summary>
    private const int Forever = int.MaxValue;

    private TimeSpan Cap => Max < First ? First : Max;

    /// <summary>The wait after <paramref name="failures"/> failures in a row (1 = the first failure).</summary>
    public TimeSpan Step(int failures, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var exponent = Math.Clamp(failures - 1, 0, 30);
        var ceiling = Math.Min(Cap.TotalMilliseconds, First.TotalMilliseconds * Math.Pow(2, exponent));
        if (!Jitter)
        {
            return TimeSpan.FromMilliseconds(ceiling);
        }

        var half = ceiling / 2;
        return TimeSpan.FromMilliseconds(half + (random.NextDouble() * half));
    }

    /// <summary>
    /// A retry of <typeparamref name="T"/> outcomes on these steps, for as long as <paramref name="retry"/> says so
    /// (or <paramref name="attempts"/> calls in all). <paramref name="failuresInARow"/>, when given, replaces Polly's
    /// attempt count: for loops whose count starts over within one execution (a session that delivered data, a
    /// connector that ran long enough). <paramref name="delay"/> may override a step (a <c>Retry-After</c>).
    /// <paramref name="waiting"/> hears each wait once its timer exists (Polly calls <c>OnRetry</c> before it
    /// starts the timer), so a test on a fake clock knows when advancing it will end the wait.
    /// </summary>
    public ResiliencePipeline<T> Retry<T>(
        TimeProvider time,
        Func<Outcome<T>, bool> retry,
        Func<OnRetryArguments<T>, ValueTask>? onRetry = null,
        Func<Outcome<T>, TimeSpan?>? delay = null,
        Func<int>? failuresInARow = null,
        Action<TimeSpan>? waiting = null,
        int attempts = Forever)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(retry);
        if (attempts <= 1)
        {
            return ResiliencePipeline<T>.Empty;
        }

        var random = new Random();
        var options = new RetryStrategyOptions<T>
        {
            ShouldHandle = args => ValueTask.FromResult(retry(args.Outcome)),
            MaxRetryAttempts = attempts == Forever ? Forever : attempts - 1,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = false,
            Delay = First,
            MaxDelay = Cap,
            OnRetry = onRetry,
        };
        if (delay is not null || failuresInARow is not null || Jitter)
        {
            options.DelayGenerator = args =>
            {
                if (delay?.Invoke(args.Outcome) is { } overridden)
                {
                    return ValueTask.FromResult<TimeSpan?>(overridden);
                }

                var failures = failuresInARow?.Invoke() ?? (args.AttemptNumber + 1);
                return ValueTask.FromResult<TimeSpan?>(failuresInARow is null && !Jitter ? null : Step(failures, random));
            };
        }

        return new ResiliencePipelineBuilder<T> { TimeProvider = waiting is null ? time : new AnnouncingTimeProvider(time, waiting) }.AddRetry(options).Build();
    }
}

/// <summary>A clock that tells <c>waiting</c> about every one-shot timer right after creating it.</summary>
internal sealed class AnnouncingTimeProvider(TimeProvider inner, Action<TimeSpan> waiting) : TimeProvider
{
    public override TimeZoneInfo LocalTimeZone => inner.LocalTimeZone;

    public override long TimestampFrequency => inner.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => inner.GetUtcNow();

    public override long GetTimestamp() => inner.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = inner.CreateTimer(callback, state, dueTime, period);
        if (period == Timeout.InfiniteTimeSpan && dueTime != Timeout.InfiniteTimeSpan)
        {
            waiting(dueTime);
        }

        return timer;
    }
}
