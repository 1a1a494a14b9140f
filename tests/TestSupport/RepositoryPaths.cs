namespace CryptoStreams.TestSupport;

/// <summary>Finds files of the repository from a test's output directory.</summary>
public static class RepositoryPaths
{
    /// <summary>The folder holding <c>CryptoStreams.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    public static string Fixtures => Path.Combine(Root, "tests", "fixtures");

    public static string Combine(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CryptoStreams.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"CryptoStreams.sln not found above {AppContext.BaseDirectory}");
    }
}
