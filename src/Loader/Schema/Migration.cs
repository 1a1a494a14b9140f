using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace CryptoStreams.Loader.Schema;

/// <summary>
/// One versioned SQL file from <c>src/Loader/Migrations</c>: <c>NNNN_name.sql</c> applies in every mode,
/// <c>NNNN_name.postgresql.sql</c> / <c>NNNN_name.timescaledb.sql</c> only in that mode. A file whose first line
/// is <c>-- no-transaction</c> runs statement by statement outside a transaction (TimescaleDB continuous aggregates).
/// </summary>
public sealed record Migration(int Version, string Name, StorageMode? Mode, string Sql, string Checksum, bool Transactional)
{
    private const string NoTransactionMarker = "-- no-transaction";

    /// <summary>The statements of a non-transactional migration, split at semicolons that end a line.</summary>
    public IReadOnlyList<string> Statements =>
        [.. Regex.Split(Sql, @";[ \t]*\r?\n").Select(s => s.Trim().TrimEnd(';')).Where(s => StripComments(s).Length > 0)];

    internal static Migration Parse(string fileName, string sql)
    {
        var match = Regex.Match(fileName, @"^(?<version>\d{4})_(?<name>[a-z0-9_]+?)(\.(?<mode>postgresql|timescaledb))?\.sql$");
        if (!match.Success)
        {
            throw new InvalidOperationException(
                $"Migration file '{fileName}' must be named NNNN_name.sql, NNNN_name.postgresql.sql or NNNN_name.timescaledb.sql.");
        }

        StorageMode? mode = match.Groups["mode"].Value switch
        {
            "postgresql" => StorageMode.PostgreSql,
            "timescaledb" => StorageMode.TimescaleDb,
            _ => null,
        };
        var normalized = sql.Replace("\r\n", "\n", StringComparison.Ordinal);
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
        var transactional = !normalized.StartsWith(NoTransactionMarker, StringComparison.Ordinal);
        return new Migration(int.Parse(match.Groups["version"].Value, CultureInfo.InvariantCulture), match.Groups["name"].Value, mode, normalized, checksum, transactional);
    }

    private static string StripComments(string statement) =>
        string.Join('\n', statement.Split('\n').Where(l => !l.TrimStart().StartsWith("--", StringComparison.Ordinal))).Trim();
}

/// <summary>The migrations embedded in this assembly.</summary>
public static class MigrationCatalog
{
    private const string ResourcePrefix = "CryptoStreams.Loader.Migrations.";

    /// <summary>Every embedded migration, ordered by version.</summary>
    public static IReadOnlyList<Migration> All { get; } = Load();

    /// <summary>The migrations that apply in <paramref name="mode"/>, in order; one per version.</summary>
    public static IReadOnlyList<Migration> For(StorageMode mode) =>
        [.. All.Where(m => m.Mode is null || m.Mode == mode).OrderBy(m => m.Version)];

    private static List<Migration> Load()
    {
        var assembly = typeof(MigrationCatalog).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(r => r.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)
                ?? throw new InvalidOperationException($"embedded migration {resource} cannot be read");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(Migration.Parse(resource[ResourcePrefix.Length..], reader.ReadToEnd()));
        }

        foreach (var mode in Enum.GetValues<StorageMode>())
        {
            var clash = migrations.Where(m => m.Mode is null || m.Mode == mode).GroupBy(m => m.Version).FirstOrDefault(g => g.Count() > 1);
            if (clash is not null)
            {
                throw new InvalidOperationException(
                    $"Two migrations share version {clash.Key} in {mode} mode: {string.Join(", ", clash.Select(m => m.Name))}.");
            }
        }

        return [.. migrations.OrderBy(m => m.Version).ThenBy(m => m.Mode)];
    }
}
