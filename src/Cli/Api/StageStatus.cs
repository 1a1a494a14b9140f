namespace CryptoStreams.Cli.Api;

/// <summary>
/// One stage's read-only status snapshot for <c>GET /status</c> and the live view. Each stage registers its own
/// snapshot singleton (e.g. <c>LoaderStatus</c>); the host adds one of these per stage it runs.
/// </summary>
internal interface IStageStatusSource
{
    /// <summary>Stage name: broker, extractors, topology, loader.</summary>
    string Stage { get; }

    /// <summary>The stage's snapshot now (serialised as JSON as it is), or null when it has nothing to say yet.</summary>
    object? Snapshot();
}

/// <summary>A stage status read from a snapshot singleton of type <typeparamref name="T"/> in the container.</summary>
internal sealed class StageStatusSource<T>(string stage, IServiceProvider services) : IStageStatusSource
    where T : class
{
    public string Stage { get; } = stage;

    public object? Snapshot() => services.GetService(typeof(T)) as T;
}

/// <summary>A stage status computed by a function, for stages whose snapshot is a method rather than a singleton.</summary>
internal sealed class DelegateStageStatusSource(string stage, Func<object?> snapshot) : IStageStatusSource
{
    public string Stage { get; } = stage;

    public object? Snapshot() => snapshot();
}
