namespace CryptoStreams.Bench;

/// <summary>
/// One benchmark harness, run as <c>dotnet run -c Release --project bench/Bench -- NAME [args]</c>.
/// Harnesses are found by reflection, so each area adds its own file without touching Program.cs.
/// </summary>
public interface IHarness
{
    /// <summary>The name on the command line, e.g. <c>broker</c>.</summary>
    string Name { get; }

    /// <summary>One line for the list printed when no name is given.</summary>
    string Description { get; }

    Task<int> RunAsync(string[] args, CancellationToken cancellationToken);
}
