using Polly;
using Polly.Retry;

namespace CryptoStreams.Loader;

/// <summary>
/// The Loader's one retry: exponential with jitter from <see cref="LoaderOptions.RetryInitialDelay"/> up to
/// <see cref="LoaderOptions.RetryMaxDelay"/>, until it succeeds or the loader stops. What it retries and what it
/// reports on each retry are the caller's (waiting for the database at start, writing a batch).
/// </summary>
internal static class LoaderRetry
{
    public static ResiliencePipeline Build(LoaderOptions options, TimeProvider clock, PredicateBuilder<object> retry, Func<OnRetryArguments<object>, ValueTask> onRetry) =>
        new ResiliencePipelineBuilder { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = retry,
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryInitialDelay,
                MaxDelay = options.RetryMaxDelay,
                OnRetry = onRetry,
            })
            .Build();
}
